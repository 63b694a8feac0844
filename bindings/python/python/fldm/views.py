"""Typed shapes of the results ``fldm`` returns.

Every result is a plain ``dict`` (JSON-compatible: ``json.dumps`` gives the
JSON the C library's ``*_to_json`` functions and ``call_json`` give for the
same call); these ``TypedDict`` classes say which keys it has and what they
hold, so ``mypy --strict`` checks the scripts that read them. They are
types only: nothing is validated or copied at run time.

Records (``"record"``) are in the JSON shape of docs/record-format.md and
typed as ``dict[str, Any]``; wrap one with ``fldm.Person.from_dict`` for
attribute access.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, TypedDict, Union

__all__ = [
    "AccessReport",
    "AccessReportEntry",
    "Acknowledgement",
    "AuditReport",
    "BundleCheck",
    "Candidate",
    "ChangeEntry",
    "ChangesPage",
    "Correction",
    "CorrectionStatus",
    "Decision",
    "DecisionInfo",
    "DeleteResult",
    "DeletionAction",
    "Denial",
    "Disclosure",
    "ExplainRow",
    "Health",
    "ImportFormat",
    "ImportReport",
    "LegalBasis",
    "MergeResult",
    "Permit",
    "RecordDict",
    "Refusal",
    "SearchResult",
    "Tombstone",
    "WriteResult",
    "is_deletion",
]

RecordDict = dict[str, Any]
"""A record (or a disclosed part of one) in the JSON shape of docs/record-format.md."""

CorrectionStatus = Literal["open", "accepted", "rejected"]
"""Status of a correction (Berichtigung)."""


class LegalBasis(TypedDict):
    """The legal basis of a rule: law (``AZRG``), section (``§ 18c``) and
    the citation text."""

    law: str
    section: str
    citation: str


class _DecisionInfoRequired(TypedDict):
    rule_id: str
    legal_basis: LegalBasis
    policy_hash: str
    attributes: list[str]


class DecisionInfo(_DecisionInfoRequired, total=False):
    """Which rule of the hub's policy decided, and what it granted.
    ``transformations`` is present only when the rule applies some."""

    transformations: list[str]


class Permit(TypedDict):
    """``Policy.decide`` for a permitted request: the deciding rule, the
    operation, what it grants and why. ``retention`` is an ISO 8601
    duration (``P6M``), ``retention_text`` the same for people
    (``6 months``); both ``None`` when the rule sets none."""

    permitted: Literal[True]
    rule_id: str
    operation: str
    legal_basis: LegalBasis
    attributes: list[str]
    transformations: list[str]
    case_reference_required: bool
    retention: Optional[str]
    retention_text: Optional[str]
    policy_hash: str


class Denial(TypedDict):
    """``Policy.decide`` for a denied request: ``reason`` is the deny code
    (``unknown_office``, ``case_reference_required``, ...)."""

    permitted: Literal[False]
    reason: str
    message: str
    policy_hash: str


Decision = Union[Permit, Denial]
"""``Policy.decide``: tell the two apart by ``permitted``."""


class ExplainRow(TypedDict):
    """One row of ``Policy.explain``: what an office gets for a purpose and
    an operation, and why (the DSGVO Art. 30 matrix). ``retention`` is an
    ISO 8601 duration (``P6M``), ``retention_text`` the same for people
    (``6 months``); both ``None`` when the rule sets none.
    ``retention_note`` may be empty."""

    office: str
    office_name: str
    purpose: str
    purpose_name: str
    operation: str
    rule_id: str
    attributes: list[str]
    transformations: list[str]
    legal_basis: LegalBasis
    case_reference_required: bool
    retention: Optional[str]
    retention_text: Optional[str]
    retention_note: str


class Disclosure(TypedDict):
    """``HubClient.get_person``: the record projected to what the policy
    permits, and the decision that permitted it."""

    request_id: str
    decision: DecisionInfo
    record: RecordDict


class Candidate(TypedDict):
    """One search candidate (AZRG § 10 Abs. 3: delete non-matching
    candidates at once). ``score`` is a log2 Bayes factor, ``probability``
    between 0 and 1, ``matched_on`` says what matched
    (``familienname:phonetic``)."""

    score: float
    probability: float
    matched_on: list[str]
    record: RecordDict


class SearchResult(TypedDict):
    """``HubClient.search``: candidates, best first."""

    request_id: str
    decision: DecisionInfo
    candidates: list[Candidate]


class WriteResult(TypedDict):
    """A write (``HubClient.update_address``, ``create_person``,
    ``update_person``): the record's version after it and the attributes
    whose values changed (empty when nothing did). For ``create_person``,
    ``fldm_id`` is the id the hub assigned."""

    request_id: str
    decision: DecisionInfo
    fldm_id: str
    version: int
    changed: list[str]


class Correction(TypedDict):
    """A correction (Berichtigung) reported about a record."""

    id: int
    fldm_id: str
    reported_by: str
    attributes: list[str]
    note: str
    status: CorrectionStatus
    reported_at: str
    request_id: str


class _TombstoneRequired(TypedDict):
    reason: str
    at: str


class Tombstone(_TombstoneRequired, total=False):
    """Why and when a record was deleted: ``reason`` is a code of
    ``fldm.DELETION_REASONS``, ``at`` the time (RFC 3339, UTC).
    ``merged_into`` is present only for a merge: the FLDM id of the
    surviving record, which receivers relink their copy to."""

    merged_into: str


class _ChangeEntryRequired(TypedDict):
    seq: int
    fldm_id: str


class ChangeEntry(_ChangeEntryRequired, total=False):
    """One entry of the change feed; ``seq`` is the cursor after it.

    A change has ``changed`` (the attributes the office may see that
    changed) and ``record`` (the current record, projected). A deletion
    (a tombstone) has ``deleted`` instead, and no ``record``: the receiver
    must delete its copy, or relink it to ``deleted["merged_into"]``, and
    say so with ``HubClient.acknowledge_deletion``. Tell them apart with
    ``is_deletion(entry)`` (or ``"deleted" in entry``)."""

    changed: list[str]
    record: RecordDict
    deleted: Tombstone


def is_deletion(entry: ChangeEntry) -> bool:
    """Whether a change-feed entry is a deletion (a tombstone)."""
    return "deleted" in entry


class ChangesPage(TypedDict):
    """One page of the change feed."""

    request_id: str
    decision: DecisionInfo
    changes: list[ChangeEntry]
    next_cursor: int
    has_more: bool


class DeleteResult(TypedDict):
    """``HubClient.delete_person``: the deleted record's FLDM id and the
    tombstone every office that may read the person gets in its feed."""

    request_id: str
    decision: DecisionInfo
    fldm_id: str
    deleted: Tombstone


class MergeResult(TypedDict):
    """``HubClient.merge_persons``: the survivor (``fldm_id``, which keeps
    its id) and its version after the merge, the deleted ``duplicate`` and
    its tombstone (reason ``doppelerfassung``, ``merged_into`` the
    survivor)."""

    request_id: str
    decision: DecisionInfo
    fldm_id: str
    version: int
    duplicate: str
    deleted: Tombstone


ImportFormat = Literal["json", "xml"]
"""Input format of ``HubClient.import_file``: JSON lines or an XML list."""


class Refusal(TypedDict):
    """One record an import refused: its 0-based position in the input,
    the field path where known (``grundpersonalien.geburtsdatum``) and the
    reason code (``invalid``, ``missing_key``, ``not_owner``,
    ``duplicate_key``, ``key_conflict``, ``policy_denied``). Never a
    value."""

    index: int
    field: Optional[str]
    reason: str


class ImportReport(TypedDict):
    """``HubClient.import_persons`` and ``import_file``: records created,
    updated, unchanged (nothing written) and refused, the requests sent
    (``batches``), and the refused records in input order."""

    created: int
    updated: int
    unchanged: int
    refused: int
    batches: int
    refusals: list[Refusal]


DeletionAction = Literal["deleted", "relinked"]
"""What a receiver did with its copy of a deleted record."""


class Acknowledgement(TypedDict):
    """``HubClient.acknowledge_deletion``: what was journaled. ``to`` is
    the record the copy was relinked to (``None`` for ``deleted``);
    ``journaled`` is false for a client without a journal."""

    fldm_id: str
    action: DeletionAction
    to: Optional[str]
    journaled: bool


class AccessReportEntry(TypedDict):
    """One hub-journal record about the person."""

    index: int
    time: str
    operation: str
    requesting_office: str
    recipient: Optional[str]
    purpose: str
    case_reference: Optional[str]
    legal_basis: Optional[str]
    rule_id: Optional[str]
    disclosed_attributes: list[str]
    outcome: str
    reason: Optional[str]


class AccessReport(TypedDict):
    """``HubClient.access_report``: who received what about one person, and
    why (DSGVO Art. 15, AZRG § 34)."""

    request_id: str
    fldm_id: str
    entries: list[AccessReportEntry]
    examined: int
    pruned: int


class Health(TypedDict):
    """``HubClient.health``: the hub's version and the policy in force."""

    status: str
    version: str
    policy_id: str
    policy_hash: str


class AuditReport(TypedDict):
    """``fldm.audit.verify``: what was checked in a journal directory
    (``intact`` is always true: tampering raises ``AuditTampered``)."""

    intact: bool
    entries: int
    pruned: int
    checkpoints: int
    checkpoints_verified: int
    verified_size: int
    uncovered: int
    bytes: int
    notes: list[str]


class BundleCheck(TypedDict):
    """``fldm.audit.check_bundle``: the entry's position and the size of the
    signed tree that includes it."""

    leaf_index: int
    tree_size: int
