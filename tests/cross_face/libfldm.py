"""A small ctypes view of libfldm (fldm-ffi/include/fldm.h) for the
cross-face test: enough of the C API to make the calls the test compares,
with C errors turned into one Python exception carrying the error view.

Only what the header documents is used; the error codes are read from the
header itself, so a renumbered or renamed code cannot go unnoticed.
"""

from __future__ import annotations

import ctypes
import json
import re
from ctypes import POINTER, byref, c_char_p, c_int32, c_uint32, c_uint64, c_void_p
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[2]
HEADER = ROOT / "fldm-ffi" / "include" / "fldm.h"

FLDM_ID_FLDM = 0


def error_names(header: Path = HEADER) -> dict[int, str]:
    """``FLDM_E_POLICY_DENIED 301`` -> ``{301: "policy_denied"}``."""
    names = {}
    for m in re.finditer(r"#define FLDM_E_([A-Z0-9_]+) (\d+)", header.read_text(encoding="utf-8")):
        names[int(m.group(2))] = m.group(1).lower()
    if not names:
        raise RuntimeError(f"no FLDM_E_ codes in {header}")
    return names


class CError(Exception):
    """A C error object, as its view (see ``Lib.error_view``)."""

    def __init__(self, view: dict[str, Any]) -> None:
        super().__init__(view.get("message"))
        self.view = view


def _s(v: Optional[str]) -> Optional[bytes]:
    return None if v is None else v.encode("utf-8")


class Lib:
    """libfldm loaded with ctypes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.c = ctypes.CDLL(str(path))
        self.codes = error_names()
        P = c_void_p
        S = c_char_p
        OUT = POINTER(c_void_p)
        sigs: dict[str, tuple[Any, list[Any]]] = {
            "fldm_string_free": (None, [P]),
            "fldm_error_code": (c_int32, [P]),
            "fldm_error_message": (S, [P]),
            "fldm_error_reason": (S, [P]),
            "fldm_error_request_id": (S, [P]),
            "fldm_error_field": (S, [P]),
            "fldm_error_free": (None, [P]),
            "fldm_person_from_json": (P, [S, OUT]),
            "fldm_person_from_xml": (P, [S, OUT]),
            "fldm_person_to_json": (P, [P, OUT]),
            "fldm_person_to_xml": (P, [P, OUT]),
            "fldm_person_free": (None, [P]),
            "fldm_policy_load": (P, [S, OUT]),
            "fldm_policy_free": (None, [P]),
            "fldm_policy_decide": (P, [P, S, S, S, S, S, OUT]),
            "fldm_policy_explain": (P, [P, S, S, S, OUT]),
            "fldm_permit_to_json": (P, [P, OUT]),
            "fldm_permit_apply_json": (P, [P, S, OUT]),
            "fldm_permit_free": (None, [P]),
            "fldm_client_config_new": (P, [S, OUT]),
            "fldm_client_config_free": (None, [P]),
            "fldm_client_config_set_ca_file": (P, [P, S]),
            "fldm_client_config_set_identity_files": (P, [P, S, S]),
            "fldm_client_config_set_user": (P, [P, S]),
            "fldm_client_config_set_office": (P, [P, S]),
            "fldm_client_config_set_max_attempts": (P, [P, c_uint32]),
            "fldm_client_config_set_journal_dir": (P, [P, S, S, S]),
            "fldm_client_config_set_no_journal": (P, [P]),
            "fldm_client_new": (P, [P, OUT]),
            "fldm_client_free": (None, [P]),
            "fldm_client_call_json": (P, [P, S, OUT]),
            "fldm_client_get_person": (P, [P, S, c_int32, S, S, OUT]),
            "fldm_disclosure_to_json": (P, [P, OUT]),
            "fldm_disclosure_free": (None, [P]),
            "fldm_client_search": (P, [P, S, S, S, OUT]),
            "fldm_client_changes": (P, [P, c_uint64, S, S, OUT]),
            "fldm_change_feed_next": (P, [P, OUT]),
            "fldm_change_feed_free": (None, [P]),
            "fldm_change_to_json": (P, [P, OUT]),
            "fldm_change_free": (None, [P]),
        }
        for name, (res, args) in sigs.items():
            f = getattr(self.c, name)
            f.restype = res
            f.argtypes = args

    # --- errors and strings -------------------------------------------------

    def _take_string(self, ptr: Optional[int]) -> str:
        assert ptr, "the library wrote no string"
        try:
            return ctypes.string_at(ptr).decode("utf-8")
        finally:
            self.c.fldm_string_free(ptr)

    def error_view(self, err: int) -> dict[str, Any]:
        """The error object as a view: ``code`` (the ``FLDM_E_`` name in
        lower case), ``message``, ``reason``, ``request_id`` and ``field``
        (``None`` where the error has none)."""
        code = self.c.fldm_error_code(err)
        view: dict[str, Any] = {"code": self.codes.get(code, str(code))}
        getters = {
            "message": self.c.fldm_error_message,
            "reason": self.c.fldm_error_reason,
            "request_id": self.c.fldm_error_request_id,
            "field": self.c.fldm_error_field,
        }
        for key, getter in getters.items():
            v = getter(err)
            view[key] = None if v is None else v.decode("utf-8")
        return view

    def check(self, err: Optional[int]) -> None:
        if err:
            try:
                view = self.error_view(err)
            finally:
                self.c.fldm_error_free(err)
            raise CError(view)

    def string_call(self, fn: str, *args: Any) -> str:
        out = c_void_p()
        self.check(getattr(self.c, fn)(*args, byref(out)))
        return self._take_string(out.value)

    def handle_call(self, fn: str, *args: Any) -> int:
        out = c_void_p()
        self.check(getattr(self.c, fn)(*args, byref(out)))
        assert out.value, f"{fn} gave no handle"
        return out.value

    # --- offline --------------------------------------------------------------

    def person_round_trip(self, text: str, *, xml: bool = False) -> tuple[str, str]:
        """Decode a record (JSON or XML); the record as (JSON, XML)."""
        p = self.handle_call("fldm_person_from_xml" if xml else "fldm_person_from_json", _s(text))
        try:
            return self.string_call("fldm_person_to_json", p), self.string_call("fldm_person_to_xml", p)
        finally:
            self.c.fldm_person_free(p)

    def policy(self, path: Path) -> "Policy":
        return Policy(self, self.handle_call("fldm_policy_load", _s(str(path))))

    def client(self, **settings: Any) -> "Client":
        return Client(self, **settings)


class Policy:
    def __init__(self, lib: Lib, handle: int) -> None:
        self.lib, self.h = lib, handle

    def close(self) -> None:
        self.lib.c.fldm_policy_free(self.h)

    def _permit(self, office: str, operation: str, purpose: Optional[str], case: Optional[str]) -> int:
        return self.lib.handle_call(
            "fldm_policy_decide", self.h, _s(office), _s(operation), _s(purpose), _s(case), None
        )

    def decide(self, office: str, operation: str, purpose: Optional[str], case: Optional[str]) -> Any:
        """The permit as JSON (a denial raises CError)."""
        p = self._permit(office, operation, purpose, case)
        try:
            return json.loads(self.lib.string_call("fldm_permit_to_json", p))
        finally:
            self.lib.c.fldm_permit_free(p)

    def apply_json(self, record_json: str, office: str, operation: str, purpose: str, case: Optional[str]) -> Any:
        p = self._permit(office, operation, purpose, case)
        try:
            return json.loads(self.lib.string_call("fldm_permit_apply_json", p, _s(record_json)))
        finally:
            self.lib.c.fldm_permit_free(p)

    def explain(self, office: Optional[str], purpose: Optional[str]) -> Any:
        return json.loads(self.lib.string_call("fldm_policy_explain", self.h, _s(office), _s(purpose), b"json"))


class Client:
    def __init__(
        self,
        lib: Lib,
        *,
        base_url: str,
        ca: Path,
        cert: Path,
        key: Path,
        user: str,
        office: str,
        journal_dir: Optional[Path],
    ) -> None:
        self.lib = lib
        cfg = lib.handle_call("fldm_client_config_new", _s(base_url))
        try:
            c = lib.c
            lib.check(c.fldm_client_config_set_ca_file(cfg, _s(str(ca))))
            lib.check(c.fldm_client_config_set_identity_files(cfg, _s(str(cert)), _s(str(key))))
            lib.check(c.fldm_client_config_set_user(cfg, _s(user)))
            lib.check(c.fldm_client_config_set_office(cfg, _s(office)))
            lib.check(c.fldm_client_config_set_max_attempts(cfg, 1))
            if journal_dir is None:
                lib.check(c.fldm_client_config_set_no_journal(cfg))
            else:
                lib.check(c.fldm_client_config_set_journal_dir(cfg, _s(str(journal_dir)), None, None))
            self.h = lib.handle_call("fldm_client_new", cfg)
        finally:
            lib.c.fldm_client_config_free(cfg)

    def close(self) -> None:
        self.lib.c.fldm_client_free(self.h)

    def call_json(self, request: dict[str, Any]) -> Any:
        text = json.dumps(request, ensure_ascii=False).encode("utf-8")
        return json.loads(self.lib.string_call("fldm_client_call_json", self.h, text))

    def get_person(self, fldm_id: str, purpose: str, case: Optional[str]) -> Any:
        d = self.lib.handle_call("fldm_client_get_person", self.h, _s(fldm_id), FLDM_ID_FLDM, _s(purpose), _s(case))
        try:
            return json.loads(self.lib.string_call("fldm_disclosure_to_json", d))
        finally:
            self.lib.c.fldm_disclosure_free(d)

    def search(self, query: dict[str, Any], purpose: str, case: Optional[str]) -> Any:
        q = json.dumps(query, ensure_ascii=False).encode("utf-8")
        return json.loads(self.lib.string_call("fldm_client_search", self.h, q, _s(purpose), _s(case)))

    def changes(self, cursor: int, purpose: str, case: Optional[str], count: int) -> list[Any]:
        """The first ``count`` entries of the change feed after ``cursor``."""
        feed = self.lib.handle_call("fldm_client_changes", self.h, cursor, _s(purpose), _s(case))
        out: list[Any] = []
        try:
            while len(out) < count:
                ch = c_void_p()
                self.lib.check(self.lib.c.fldm_change_feed_next(feed, byref(ch)))
                if not ch.value:
                    break
                try:
                    out.append(json.loads(self.lib.string_call("fldm_change_to_json", ch.value)))
                finally:
                    self.lib.c.fldm_change_free(ch.value)
        finally:
            self.lib.c.fldm_change_feed_free(feed)
        return out
