"""The results have exactly the shapes fldm.views declares: every required
key, no key the TypedDict does not name, and values of the declared types
(nested views included). A key added on the Rust side without a matching
declaration, or one renamed, fails here."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest

import fldm
from fldm import views
from fldm.testing import FldmHub

CASE_W = "WA-2026-0815"
CASE_A = "ABH-2026-0001"


def check(value: Any, tp: Any, where: str = "$") -> None:
    """Raise AssertionError (naming the path) unless ``value`` fits ``tp``."""
    origin = get_origin(tp)
    if hasattr(tp, "__required_keys__"):
        assert isinstance(value, dict), f"{where}: not a dict"
        required, optional = set(tp.__required_keys__), set(tp.__optional_keys__)
        keys = set(value)
        assert required <= keys, f"{where}: missing {sorted(required - keys)}"
        assert keys <= required | optional, f"{where}: undeclared {sorted(keys - required - optional)}"
        hints = get_type_hints(tp)
        for k in keys:
            check(value[k], hints[k], f"{where}.{k}")
    elif origin is Union:
        errors = []
        for alt in get_args(tp):
            try:
                check(value, alt, where)
                return
            except AssertionError as e:
                errors.append(str(e))
        raise AssertionError(f"{where}: fits none of {get_args(tp)}: {errors}")
    elif origin is Literal:
        assert value in get_args(tp), f"{where}: {value!r} not in {get_args(tp)}"
    elif origin is list:
        assert isinstance(value, list), f"{where}: not a list"
        (item,) = get_args(tp)
        for i, v in enumerate(value):
            check(v, item, f"{where}[{i}]")
    elif origin is dict:
        assert isinstance(value, dict), f"{where}: not a dict"
    elif tp is Any:
        pass
    elif tp is type(None):
        assert value is None, f"{where}: not None"
    elif tp is float:
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{where}: not a number"
    elif tp is int:
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: not an int"
    else:
        assert isinstance(value, tp), f"{where}: {type(value).__name__} is not {tp.__name__}"


def test_the_checker_catches_drift():
    good: views.LegalBasis = {"law": "AZRG", "section": "§ 18c", "citation": "x"}
    check(good, views.LegalBasis)
    for bad in ({"law": "AZRG", "section": "§ 18c"}, {**good, "extra": 1}, {**good, "law": 7}):
        with pytest.raises(AssertionError):
            check(bad, views.LegalBasis)
    with pytest.raises(AssertionError):
        check({"permitted": True, "reason": "x", "message": "y", "policy_hash": "h"}, views.Decision)


def test_policy_views(policy_path: Path):
    pol = fldm.Policy.load(policy_path)
    permit = pol.decide(office="wohnungsamt", purpose="W01", case="WA-1")
    assert permit["permitted"]
    check(permit, views.Permit)
    denial = pol.decide(office="wohnungsamt", purpose="70", case="WA-1")
    assert not denial["permitted"]
    check(denial, views.Denial)
    rows = pol.explain()
    assert rows
    check(rows, list[views.ExplainRow])
    assert any(r["retention"] for r in rows)


def test_hub_views(fldm_hub: FldmHub):
    w = fldm_hub.client("wohnungsamt")
    abh = fldm_hub.client("auslaenderbehoerde")
    ds = fldm_hub.client("datenschutz")
    pid = fldm_hub.fldm_ids[20]
    check(w.health(), views.Health)
    check(w.get_person(pid, purpose="W01", case=CASE_W), views.Disclosure)
    g = fldm_hub.population()[20].to_dict()["grundpersonalien"]
    found = w.search(purpose="W01", case=CASE_W, familienname=str(g["familienname"]))
    assert found["candidates"]
    check(found, views.SearchResult)
    written = w.update_address(pid, {"postleitzahl": "50667", "ort": "Köln"}, purpose="W01", case=CASE_W,
                               idempotency_key=str(uuid.uuid4()))
    check(written, views.WriteResult)
    page = abh._native.changes_page(0, 5, "70", CASE_A)
    assert page["changes"]
    check(page, views.ChangesPage)
    check(next(abh.changes(purpose="70", case=CASE_A)), views.ChangeEntry)
    c = w.report_correction(pid, ["grundpersonalien.vornamen"], "differs", purpose="W01", case=CASE_W)
    check(c, views.Correction)
    listed = abh.corrections(purpose="70", case=CASE_A, status="open")
    assert listed
    check(listed, list[views.Correction])
    check(abh.decide_correction(c["id"], "rejected", purpose="70", case=CASE_A), views.Correction)
    report = ds.access_report(pid, purpose="D01", case="DS-2026-7")
    assert report["entries"]
    check(report, views.AccessReport)


def test_audit_views(fldm_hub: FldmHub):
    d = fldm_hub.dir
    check(fldm.audit.verify(d / "hub-audit", public_key=d / "hub-audit-signing.pub"), views.AuditReport)


def test_lifecycle_views(fldm_hub: FldmHub):
    abh = fldm_hub.client("auslaenderbehoerde")
    w = fldm_hub.client("wohnungsamt")
    g = {"familienname": "Haddad", "vornamen": "Lina", "geburtsdatum": "1990-03-04", "geschlecht": "w",
         "staatsangehoerigkeiten": ["475"]}
    tag = uuid.uuid4().hex[:8]
    recs = [{"aktenzeichen": f"PY-VIEWS/{tag}/{i}", "grundpersonalien": g} for i in range(3)]
    nokey = {"grundpersonalien": g}
    report = abh.import_persons([*recs, nokey], purpose="70", case=CASE_A)
    assert report["refusals"]
    check(report, views.ImportReport)
    feed = w.changes(purpose="W01", case=CASE_W)
    for _ in feed:
        pass
    cursor = feed.cursor
    ids = [abh.create_person(dict(r, aktenzeichen=f"PY-VIEWS/{tag}/new{i}"), purpose="70", case=CASE_A)
           for i, r in enumerate(recs)]
    check(ids[0], views.WriteResult)
    check(abh.update_person({**recs[0], "aktenzeichen": f"PY-VIEWS/{tag}/new0", "fldm_id": ids[0]["fldm_id"]},
                            purpose="70", case=CASE_A), views.WriteResult)
    check(abh.delete_person(ids[1]["fldm_id"], "tod", purpose="70", case=CASE_A), views.DeleteResult)
    check(abh.merge_persons(ids[0]["fldm_id"], ids[2]["fldm_id"], purpose="70", case=CASE_A), views.MergeResult)
    entries = list(w.changes(purpose="W01", case=CASE_W, cursor=cursor))
    tombs = [e for e in entries if fldm.is_deletion(e)]
    assert len(tombs) >= 2 and any("merged_into" in e["deleted"] for e in tombs)
    check(entries, list[views.ChangeEntry])
    check(w.acknowledge_deletion(tombs[0], purpose="W01", case=CASE_W), views.Acknowledgement)
