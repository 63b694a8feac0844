# Stubs of the compiled module fldm._native (bindings/python/src/lib.rs).
# Private: use the public layer `fldm`. Checked with `python -m mypy.stubtest fldm._native`.

from typing import Any, Optional, Union, final

from fldm.views import (
    AccessReport,
    Acknowledgement,
    AuditReport,
    BundleCheck,
    ChangeEntry,
    ChangesPage,
    Correction,
    Decision,
    DeleteResult,
    Disclosure,
    ExplainRow,
    Health,
    ImportReport,
    MergeResult,
    RecordDict,
    SearchResult,
    WriteResult,
)

__all__ = [
    "__version__",
    "DELETION_REASONS",
    "Person",
    "Policy",
    "HubClient",
    "ChangeFeed",
    "synth",
    "local_case_variant",
    "read_xml",
    "read_jsonl",
    "write_xml",
    "audit_verify",
    "audit_check_bundle",
    "codes_nationality_list",
    "codes_builtin_nationality_list",
    "codes_load_nationality_list",
    "codes_install_nationality_list",
    "codes_reset_nationality_list",
    "codes_load_genericode",
    "FldmError",
    "ValidationError",
    "CodeListError",
    "PolicyError",
    "PolicyDenied",
    "AuditError",
    "AuditTampered",
    "FldmIOError",
    "ConfigError",
    "TlsError",
    "HubUnavailable",
    "HubTimeout",
    "MissingContext",
    "NotFound",
    "Conflict",
    "ServerError",
    "ProtocolError",
]

__version__: str
DELETION_REASONS: tuple[str, ...]

class FldmError(Exception):
    code: Optional[str]
    field: Optional[str]
    record_index: Optional[int]
    line: Optional[int]
    column: Optional[int]
    reason: Optional[str]
    request_id: Optional[str]
    status: Optional[int]
    problems: Optional[list[str]]
    file: Optional[str]
    rule: Optional[str]

class ValidationError(FldmError): ...
class CodeListError(FldmError): ...
class PolicyError(FldmError): ...
class PolicyDenied(FldmError): ...
class AuditError(FldmError): ...
class AuditTampered(AuditError): ...
class FldmIOError(FldmError): ...
class ConfigError(FldmError): ...
class TlsError(FldmError): ...
class HubUnavailable(FldmError): ...
class HubTimeout(HubUnavailable): ...
class MissingContext(FldmError): ...
class NotFound(FldmError): ...
class Conflict(FldmError): ...
class ServerError(FldmError): ...
class ProtocolError(FldmError): ...

@final
class Person:
    @staticmethod
    def from_json(text: str) -> Person: ...
    def to_json(self) -> str: ...
    def to_xml(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    @property
    def fldm_id(self) -> str: ...
    def attribute_names(self) -> list[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Policy:
    @staticmethod
    def load(path: str) -> Policy: ...
    @property
    def hash(self) -> str: ...
    @property
    def id(self) -> str: ...
    def decide(
        self,
        office: str,
        purpose: Optional[str],
        operation: str,
        case: Optional[str],
        date: Optional[str],
    ) -> Decision: ...
    def apply(
        self,
        persons: list[Person],
        office: str,
        purpose: Optional[str],
        operation: str,
        case: Optional[str],
    ) -> list[RecordDict]: ...
    def explain(self, office: Optional[str], purpose: Optional[str]) -> list[ExplainRow]: ...

@final
class HubClient:
    def __new__(
        cls,
        base_url: str,
        ca: str,
        cert: str,
        key: str,
        user: str,
        office: Optional[str],
        responsible_person: Optional[str],
        timeout: Optional[float],
        connect_timeout: Optional[float],
        retries: Optional[int],
        journal_dir: Optional[str],
        journal_signing_key: Optional[str],
        journal_pseudonym_key: Optional[str],
        no_journal: bool,
    ) -> HubClient: ...
    @staticmethod
    def from_profile(path: str) -> HubClient: ...
    @property
    def office(self) -> Optional[str]: ...
    def call_json(self, request: str) -> str: ...
    def get_person(self, fldm_id: str, purpose: str, case: Optional[str]) -> Disclosure: ...
    def get_person_by_azr(self, azr_nummer: str, purpose: str, case: Optional[str]) -> Disclosure: ...
    def search(self, query_json: str, purpose: str, case: Optional[str]) -> SearchResult: ...
    def update_address(
        self,
        fldm_id: str,
        anschrift_json: str,
        purpose: str,
        case: Optional[str],
        idempotency_key: Optional[str],
    ) -> WriteResult: ...
    def report_correction(
        self,
        fldm_id: str,
        attributes: list[str],
        note: str,
        purpose: str,
        case: Optional[str],
        idempotency_key: Optional[str],
    ) -> Correction: ...
    def access_report(self, fldm_id: str, purpose: str, case: Optional[str]) -> AccessReport: ...
    def corrections(
        self, status: Optional[str], purpose: str, case: Optional[str]
    ) -> list[Correction]: ...
    def decide_correction(
        self,
        correction_id: int,
        status: str,
        purpose: str,
        case: Optional[str],
        idempotency_key: Optional[str],
    ) -> Correction: ...
    def changes_page(
        self, cursor: int, limit: int, purpose: str, case: Optional[str]
    ) -> ChangesPage: ...
    def changes(self, cursor: int, page_size: int, purpose: str, case: Optional[str]) -> ChangeFeed: ...
    def import_persons(
        self,
        records: list[Optional[Union[Person, str]]],
        purpose: str,
        case: Optional[str],
        batch_size: Optional[int],
    ) -> ImportReport: ...
    def import_file(
        self, path: str, purpose: str, case: Optional[str], format: Optional[str]
    ) -> ImportReport: ...
    def create_person(self, record_json: str, purpose: str, case: Optional[str]) -> WriteResult: ...
    def update_person(
        self,
        record_json: str,
        expected_version: Optional[int],
        purpose: str,
        case: Optional[str],
    ) -> WriteResult: ...
    def delete_person(
        self, fldm_id: str, reason: str, purpose: str, case: Optional[str]
    ) -> DeleteResult: ...
    def merge_persons(
        self, survivor: str, duplicate: str, purpose: str, case: Optional[str]
    ) -> MergeResult: ...
    def acknowledge_deletion(
        self,
        fldm_id: str,
        tombstone_json: Optional[str],
        action: str,
        to: Optional[str],
        purpose: str,
        case: Optional[str],
    ) -> Acknowledgement: ...
    def health(self) -> Health: ...
    def journal_len(self) -> int: ...
    def journal_checkpoint(self) -> None: ...

@final
class ChangeFeed:
    def __iter__(self) -> ChangeFeed: ...
    def __next__(self) -> ChangeEntry: ...
    @property
    def cursor(self) -> int: ...

def synth(count: int, seed: int) -> list[Person]: ...
def local_case_variant(person: Person, seed: int) -> Person: ...
def read_xml(text: str) -> list[Person]: ...
def read_jsonl(text: str) -> list[Person]: ...
def write_xml(persons: list[Person]) -> str: ...
def audit_verify(dir: str, public_key: str) -> AuditReport: ...
def audit_check_bundle(path: str, public_key: str) -> BundleCheck: ...
def codes_nationality_list() -> dict[str, Any]: ...
def codes_builtin_nationality_list() -> dict[str, Any]: ...
def codes_load_nationality_list(path: str) -> dict[str, Any]: ...
def codes_install_nationality_list(path: str) -> dict[str, Any]: ...
def codes_reset_nationality_list() -> None: ...
def codes_load_genericode(
    path: str, code_column: str, name_column: str, name2_column: Optional[str]
) -> dict[str, Any]: ...
