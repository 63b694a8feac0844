"""FLDM SDK for Python.

Records (``Person``), codecs (``read_xml``, ``read_jsonl``), the synthetic
population (``synth``), legal-basis policies (``Policy``), the hub client
(``HubClient``: reads, writes, the record life cycle and the change feed)
and audit verification (``fldm.audit``). Every error is an
``FldmError``; see docs/python.md for the table of exception classes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from os import PathLike
from typing import Any, Optional, Union, cast, overload

from . import _native
from ._native import (
    AuditError,
    AuditTampered,
    CodeListError,
    ConfigError,
    Conflict,
    FldmError,
    FldmIOError,
    HubTimeout,
    HubUnavailable,
    MissingContext,
    NotFound,
    PolicyDenied,
    PolicyError,
    ProtocolError,
    ServerError,
    TlsError,
    ValidationError,
)
from .views import (
    AccessReport,
    Acknowledgement,
    ChangeEntry,
    Correction,
    CorrectionStatus,
    Decision,
    DeleteResult,
    DeletionAction,
    Disclosure,
    ExplainRow,
    Health,
    ImportFormat,
    ImportReport,
    MergeResult,
    RecordDict,
    SearchResult,
    WriteResult,
    is_deletion,
)

__version__: str = _native.__version__

ChangeFeed = _native.ChangeFeed
"""Iterator over the change feed (``HubClient.changes``): yields
``views.ChangeEntry`` dicts, fetching pages as needed; ``cursor`` is the
position after the last entry returned (store it to resume later)."""

StrPath = Union[str, "PathLike[str]"]

DELETION_REASONS: tuple[str, ...] = _native.DELETION_REASONS
"""The deletion reason codes (``frist``, ``wegzug``, ``einbuergerung``,
``tod``, ``ausreise``, ``doppelerfassung``, ``berichtigung``, ``abgang``,
``sonstiges``), in the documented order; the list is the core library's.
``HubClient.delete_person`` takes one, tombstones carry one."""

__all__ = [
    "AuditError",
    "AuditTampered",
    "CodeListError",
    "ConfigError",
    "Conflict",
    "DELETION_REASONS",
    "FldmError",
    "FldmIOError",
    "ChangeFeed",
    "HubClient",
    "HubTimeout",
    "HubUnavailable",
    "MissingContext",
    "NotFound",
    "Person",
    "Policy",
    "PolicyDenied",
    "PolicyError",
    "ProtocolError",
    "ServerError",
    "TlsError",
    "ValidationError",
    "audit",
    "codes",
    "views",
    "is_deletion",
    "local_case_variant",
    "read_jsonl",
    "read_xml",
    "synth",
    "write_xml",
]


class Record:
    """Read-only attribute view of a nested part of a record
    (``person.grundpersonalien.familienname``). Missing fields are ``None``."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _wrap(self._data.get(name))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("records are read-only; build a new one with Person.from_dict")

    def __getitem__(self, name: str) -> Any:
        return _wrap(self._data[name])

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = json.loads(json.dumps(self._data))
        return d

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and other._data == self._data

    def __repr__(self) -> str:
        return f"Record(fields={sorted(self._data)})"


def _wrap(v: Any) -> Any:
    if isinstance(v, dict):
        return Record(v)
    if isinstance(v, list):
        return [_wrap(x) for x in v]
    return v


_NativePerson = _native.Person


class Person:
    """One person's core record (Kerndatensatz).

    Fields are attributes in the JSON shape of docs/record-format.md:
    ``p.fldm_id``, ``p.grundpersonalien.familienname``,
    ``p.anschrift.aktuell``; absent fields are ``None``. Persons are
    immutable; change a record through ``to_dict`` / ``from_dict``.
    """

    __slots__ = ("_native", "_dict")
    _native: _NativePerson
    _dict: dict[str, Any] | None

    def __init__(self, native: _NativePerson) -> None:
        object.__setattr__(self, "_native", native)
        object.__setattr__(self, "_dict", None)

    def _data(self) -> dict[str, Any]:
        d = self._dict
        if d is None:
            d = self._native.to_dict()
            object.__setattr__(self, "_dict", d)
        return d

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _wrap(self._data().get(name))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Person is immutable; use Person.from_dict(p.to_dict() | {...})")

    @property
    def fldm_id(self) -> str:
        return self._native.fldm_id

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Person:
        """Validate and build a record; raises ``ValidationError`` naming the field."""
        return cls(_native.Person.from_json(json.dumps(data, ensure_ascii=False)))

    @classmethod
    def from_json(cls, text: str) -> Person:
        return cls(_native.Person.from_json(text))

    def to_dict(self) -> dict[str, Any]:
        return self._native.to_dict()

    def to_json(self) -> str:
        return self._native.to_json()

    def to_xml(self) -> str:
        return self._native.to_xml()

    def attribute_names(self) -> list[str]:
        """Catalogue names (docs/attributes.md) of the attributes present."""
        return self._native.attribute_names()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Person) and self._native == other._native

    def __hash__(self) -> int:
        return hash(self._native.to_json())

    def __repr__(self) -> str:
        return f"Person(fldm_id={self.fldm_id!r})"


def _persons(natives: list[_native.Person]) -> list[Person]:
    return [Person(n) for n in natives]


def synth(count: int, seed: int = 0) -> list[Person]:
    """A deterministic synthetic population (no real persons)."""
    return _persons(_native.synth(count, seed))


def local_case_variant(person: Person, seed: int = 0) -> Person:
    """The record as a local department system might hold it: spelling
    variants of the names, partial or placeholder birth dates."""
    return Person(_native.local_case_variant(person._native, seed))


def read_xml(text: str) -> list[Person]:
    """Decode an XML document (a list of persons or one person)."""
    return _persons(_native.read_xml(text))


def read_jsonl(text: str) -> list[Person]:
    """Decode JSON lines, one record per line."""
    return _persons(_native.read_jsonl(text))


def write_xml(persons: Iterable[Person]) -> str:
    """Encode persons as one XML document."""
    return _native.write_xml([p._native for p in persons])


class Policy:
    """A legal-basis policy (policies/*.toml, docs/policy-format.md)."""

    __slots__ = ("_native",)

    def __init__(self, native: _native.Policy) -> None:
        self._native = native

    @classmethod
    def load(cls, path: StrPath) -> Policy:
        """Load and check a policy file; raises ``PolicyError`` with
        ``file`` and ``line``."""
        return cls(_native.Policy.load(str(path)))

    @property
    def hash(self) -> str:
        """Hash of the canonical form (cited by every audit record)."""
        return self._native.hash

    @property
    def id(self) -> str:
        return self._native.id

    def decide(
        self,
        *,
        office: str,
        purpose: str | None,
        operation: str = "read",
        case: str | None = None,
        date: str | None = None,
    ) -> Decision:
        """Decide a request on ``date`` (``YYYY-MM-DD``; default today in
        UTC): a ``views.Permit`` (``permitted`` is true; ``rule_id``,
        ``legal_basis``, ``attributes``, ...) or a ``views.Denial``
        (``reason``, ``message``). Never raises for a denial."""
        return self._native.decide(office, purpose, operation, case, date)

    @overload
    def apply(
        self,
        persons: Person,
        *,
        office: str,
        purpose: str | None,
        operation: str = ...,
        case: str | None = ...,
    ) -> RecordDict: ...

    @overload
    def apply(
        self,
        persons: Iterable[Person],
        *,
        office: str,
        purpose: str | None,
        operation: str = ...,
        case: str | None = ...,
    ) -> list[RecordDict]: ...

    def apply(
        self,
        persons: Person | Iterable[Person],
        *,
        office: str,
        purpose: str | None,
        operation: str = "read",
        case: str | None = None,
    ) -> RecordDict | list[RecordDict]:
        """What ``office`` receives of each person for ``purpose``: the
        disclosed record as a dict (the FLDM id plus the permitted
        attributes, transformations applied). One person in, one dict out;
        an iterable in, a list out. Raises ``PolicyDenied`` if denied."""
        if isinstance(persons, Person):
            return self._native.apply([persons._native], office, purpose, operation, case)[0]
        natives = [p._native for p in cast("Iterable[Person]", persons)]
        return self._native.apply(natives, office, purpose, operation, case)

    def explain(self, office: str | None = None, purpose: str | None = None) -> list[ExplainRow]:
        """What each office gets for each purpose and operation, and why."""
        return self._native.explain(office, purpose)

    def __repr__(self) -> str:
        return repr(self._native)


class HubClient:
    """Blocking client of an FLDM hub (HTTPS with a client certificate).

    The options are those of the Rust bridge (``ClientOptions``), the C
    configuration and the profile files of ``fldm init-pki``, under the same
    names. The client-stage audit journal is on by default: pass
    ``journal_dir`` (where the journal is written; its pseudonym key is
    created there unless ``journal_pseudonym_key`` names one) or switch it
    off with ``no_journal=True``. Neither is a ``ConfigError`` with
    ``field == "journal_dir"``, both one with ``field == "no_journal"``.
    ``office`` is the requesting office written into every journal record
    (AZRG § 13 Abs. 1), required with ``journal_dir``; the hub takes the
    office from the certificate. ``timeout`` and ``connect_timeout`` are
    seconds, ``retries`` the attempts per idempotent call (first included).
    Every call releases the GIL while it waits.
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        base_url: str,
        *,
        ca: StrPath,
        cert: StrPath,
        key: StrPath,
        user: str,
        office: str | None = None,
        responsible_person: str | None = None,
        timeout: float = 30.0,
        connect_timeout: float | None = None,
        retries: int = 4,
        journal_dir: StrPath | None = None,
        journal_signing_key: StrPath | None = None,
        journal_pseudonym_key: StrPath | None = None,
        no_journal: bool = False,
    ) -> None:
        self._native = _native.HubClient(
            base_url,
            str(ca),
            str(cert),
            str(key),
            user,
            office,
            responsible_person,
            float(timeout),
            None if connect_timeout is None else float(connect_timeout),
            retries,
            _opt_path(journal_dir),
            _opt_path(journal_signing_key),
            _opt_path(journal_pseudonym_key),
            bool(no_journal),
        )

    @classmethod
    def from_profile(cls, path: StrPath) -> HubClient:
        """A client from a profile file (TOML, as ``fldm init-pki`` writes
        one per office: ``<office>.profile.toml``); relative paths in it are
        taken relative to the file."""
        client = cls.__new__(cls)
        client._native = _native.HubClient.from_profile(str(path))
        return client

    @property
    def office(self) -> str | None:
        """The requesting office recorded in the client journal."""
        return self._native.office

    def call_json(self, request: str) -> str:
        """The JSON entry point, as ``fldm_client_call_json`` in C: one
        request object ``{"op": ..., ...}`` (ops and fields in
        docs/c-api.md), its answer as JSON text. Errors raise the same
        exceptions as the typed calls."""
        return self._native.call_json(request)

    def get_person(self, fldm_id: str, *, purpose: str, case: str | None = None) -> Disclosure:
        """One disclosure: ``{"request_id", "decision", "record"}``."""
        return self._native.get_person(fldm_id, purpose, case)

    def get_person_by_azr(self, azr_nummer: str, *, purpose: str, case: str | None = None) -> Disclosure:
        return self._native.get_person_by_azr(azr_nummer, purpose, case)

    def search(
        self,
        *,
        purpose: str,
        case: str | None = None,
        familienname: str | None = None,
        vornamen: str | None = None,
        geburtsdatum: str | None = None,
        geschlecht: str | None = None,
        staatsangehoerigkeit: str | None = None,
        limit: int | None = None,
    ) -> SearchResult:
        """Search by Grundpersonalien; ``{"candidates": [{"score",
        "probability", "matched_on", "record"}, ...], ...}``, best first."""
        q = {
            k: v
            for k, v in {
                "familienname": familienname,
                "vornamen": vornamen,
                "geburtsdatum": geburtsdatum,
                "geschlecht": geschlecht,
                "staatsangehoerigkeit": staatsangehoerigkeit,
                "limit": limit,
            }.items()
            if v is not None
        }
        return self._native.search(json.dumps(q, ensure_ascii=False), purpose, case)

    def update_address(
        self,
        fldm_id: str,
        anschrift: Mapping[str, Any],
        *,
        purpose: str,
        case: str | None = None,
        idempotency_key: str | None = None,
    ) -> WriteResult:
        """Write back the current address (housing office)."""
        return self._native.update_address(
            fldm_id, json.dumps(dict(anschrift), ensure_ascii=False), purpose, case, idempotency_key
        )

    def report_correction(
        self,
        fldm_id: str,
        attributes: Iterable[str],
        note: str,
        *,
        purpose: str,
        case: str | None = None,
        idempotency_key: str | None = None,
    ) -> Correction:
        """Report a correction (Berichtigung) to the owning office."""
        return self._native.report_correction(
            fldm_id, list(attributes), note, purpose, case, idempotency_key
        )

    def access_report(self, fldm_id: str, *, purpose: str, case: str | None = None) -> AccessReport:
        """Who received what about the person, and why (DSGVO Art. 15,
        AZRG § 34): ``{"fldm_id", "entries": [{"time", "operation",
        "requesting_office", "recipient", "purpose", "legal_basis",
        "rule_id", "disclosed_attributes", "outcome", ...}], "examined",
        "pruned"}``. For the data-protection office (an ``audit`` rule)."""
        return self._native.access_report(fldm_id, purpose, case)

    def corrections(
        self, *, purpose: str, case: str | None = None, status: CorrectionStatus | None = None
    ) -> list[Correction]:
        """Corrections reported about records this office owns, oldest
        first; ``status``: ``"open"``, ``"accepted"``, ``"rejected"`` or
        ``None`` for all."""
        return self._native.corrections(status, purpose, case)

    def decide_correction(
        self,
        correction_id: int,
        status: CorrectionStatus,
        *,
        purpose: str,
        case: str | None = None,
        idempotency_key: str | None = None,
    ) -> Correction:
        """Accept (``"accepted"``) or reject (``"rejected"``) a correction
        reported about a record this office owns. Deciding the same way
        again changes nothing; a decided correction cannot be changed
        (``ValidationError``, ``field == "status"``); another office gets
        ``PolicyDenied`` (``reason == "not_owner"``)."""
        return self._native.decide_correction(correction_id, status, purpose, case, idempotency_key)

    def changes(
        self, *, purpose: str, case: str | None = None, cursor: int = 0, page_size: int = 500
    ) -> ChangeFeed:
        """The change feed after ``cursor`` up to its current end: entries
        ``{"seq", "fldm_id", "changed", "record"}``, oldest first, fetched
        ``page_size`` at a time. A deletion (tombstone) has ``"deleted":
        {"reason", "at", "merged_into"?}`` and no ``record`` (see
        ``views.ChangeEntry``, ``is_deletion``). Resume later from the last
        ``seq`` (or the feed's ``cursor``)."""
        return self._native.changes(cursor, page_size, purpose, case)

    def import_persons(
        self,
        records: Iterable[Person | Mapping[str, Any]],
        *,
        purpose: str,
        case: str | None = None,
        batch_size: int | None = None,
    ) -> ImportReport:
        """Bulk import (owning office): upsert ``records`` (``Person``s or
        dicts in the record's JSON shape; ``fldm_id`` not needed) by the
        office's key, the AZR-Nummer, else the Aktenzeichen. Records are
        sent ``batch_size`` at a time (default: the client's, at most
        10000), one hub transaction per batch; a record whose values are
        already stored writes nothing (``unchanged``).

        A record that cannot be decoded or fails validation is refused in
        place, not sent; the hub refuses records without a key or owned by
        another office. Each refusal is ``{"index", "field", "reason"}``
        (``index`` the 0-based position in ``records``), never a value.
        On an error (hub unreachable, denied) the batches before it are
        imported; importing again reports them ``unchanged``."""
        items = [_import_item(r) for r in records]
        return self._native.import_persons(items, purpose, case, batch_size)

    def import_file(
        self,
        path: StrPath,
        *,
        purpose: str,
        case: str | None = None,
        format: ImportFormat | None = None,
    ) -> ImportReport:
        """Bulk import of a file, read record by record: JSON lines
        (``"json"``) or an XML list (``"xml"``); by default ``.xml`` files
        are XML, others JSON lines. Refusals are as in ``import_persons``
        (``index`` is the record's position in the file). A file that
        cannot be opened is an ``FldmIOError``; input that cannot be read
        any further stops the import with a ``ValidationError`` whose
        ``record_index`` says where (the batches before it are imported)."""
        return self._native.import_file(str(path), purpose, case, format)

    def create_person(
        self, person: Person | Mapping[str, Any], *, purpose: str, case: str | None = None
    ) -> WriteResult:
        """Create a record (owning office); the hub assigns the FLDM id
        (``result["fldm_id"]``), a ``fldm_id`` in ``person`` is not sent."""
        return self._native.create_person(_record_json(person), purpose, case)

    def update_person(
        self,
        person: Person | Mapping[str, Any],
        *,
        expected_version: int | None = None,
        purpose: str,
        case: str | None = None,
    ) -> WriteResult:
        """Update a record (owning office): ``person`` names the record by
        its ``fldm_id``; the attributes present in it are set (a dict may
        hold only the ones to change). With ``expected_version`` the hub
        refuses the update if the record has another version
        (``Conflict``, ``reason == "version_conflict"``)."""
        return self._native.update_person(_record_json(person), expected_version, purpose, case)

    def delete_person(
        self, fldm_id: str, reason: str, *, purpose: str, case: str | None = None
    ) -> DeleteResult:
        """Delete a record (owning office) with a reason code from
        ``DELETION_REASONS``. The hub forgets the record; every office that
        may read the person gets a tombstone in its change feed. An unknown
        code is a ``ValidationError`` with ``field == "reason"``."""
        return self._native.delete_person(fldm_id, reason, purpose, case)

    def merge_persons(
        self, survivor: str, duplicate: str, *, purpose: str, case: str | None = None
    ) -> MergeResult:
        """Merge the record ``duplicate`` into ``survivor`` (owning office):
        the survivor keeps its FLDM id, the duplicate is deleted with reason
        ``doppelerfassung`` and its tombstone names the survivor
        (``merged_into``)."""
        return self._native.merge_persons(survivor, duplicate, purpose, case)

    def acknowledge_deletion(
        self,
        entry: ChangeEntry,
        *,
        action: DeletionAction = "deleted",
        to: str | None = None,
        purpose: str,
        case: str | None = None,
    ) -> Acknowledgement:
        """Journal that this office acted on a tombstone of its change
        feed: it deleted its copy (``action="deleted"``) or relinked it to
        the survivor of a merge (``action="relinked"``, ``to`` the FLDM id,
        normally ``entry["deleted"]["merged_into"]``). Sends nothing: one
        record in the client journal, with the purpose, the case, the
        person's pseudonym and the tombstone's reason. An entry that is no
        deletion is a ``ValidationError`` with ``field == "entry"``."""
        deleted = entry.get("deleted")
        tombstone = None if deleted is None else json.dumps(deleted, ensure_ascii=False)
        return self._native.acknowledge_deletion(
            entry["fldm_id"], tombstone, action, to, purpose, case
        )

    def health(self) -> Health:
        return self._native.health()

    def journal_len(self) -> int:
        """Entries in the client journal (0 without one)."""
        return self._native.journal_len()

    def __repr__(self) -> str:
        return f"HubClient(office={self.office!r})"


def _opt_path(p: StrPath | None) -> str | None:
    return None if p is None else str(p)


def _record_json(record: Person | Mapping[str, Any]) -> str:
    if isinstance(record, Person):
        return record.to_json()
    return json.dumps(dict(record), ensure_ascii=False)


def _import_item(record: object) -> Optional[Union[_native.Person, str]]:
    """One import record for the native module: a person as it is, a dict
    as JSON text (one that is no JSON at all as ``"null"``, so that it is
    refused in place), anything else as ``None`` (an error naming
    ``records``)."""
    if isinstance(record, Person):
        return record._native
    if isinstance(record, Mapping):
        try:
            return json.dumps(dict(record), ensure_ascii=False)
        except (TypeError, ValueError):
            return "null"
    return None


from . import audit, codes, views  # noqa: E402
