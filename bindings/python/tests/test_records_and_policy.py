"""Records, codecs and policies without a hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fldm

WOHNUNGSAMT_ATTRIBUTES = {
    "grundpersonalien.familienname",
    "grundpersonalien.geburtsname",
    "grundpersonalien.vornamen",
    "grundpersonalien.geburtsdatum",
    "anschrift.aktuell",
    "grundpersonalien.geschlecht",
    "grundpersonalien.staatsangehoerigkeiten",
}


def test_synth_is_deterministic_and_has_attribute_access():
    a = fldm.synth(50, seed=3)
    b = fldm.synth(50, seed=3)
    assert a == b
    assert a != fldm.synth(50, seed=4)
    p = a[0]
    assert p.fldm_id == "P000000001"
    assert p.grundpersonalien.staatsangehoerigkeiten[0] == p.to_dict()["grundpersonalien"]["staatsangehoerigkeiten"][0]
    assert p.grundpersonalien.doktorgrad is None
    assert "fldm_id=" in repr(p) and p.grundpersonalien.vornamen not in repr(p)
    with pytest.raises(AttributeError):
        p.fldm_id = "P1"  # type: ignore[misc]


def test_dict_json_xml_round_trips():
    people = fldm.synth(200, seed=5)
    for p in people:
        assert fldm.Person.from_dict(p.to_dict()) == p
        assert fldm.Person.from_json(p.to_json()) == p
        assert fldm.read_xml(p.to_xml()) == [p]
    assert fldm.read_xml(fldm.write_xml(people)) == people
    jsonl = "\n".join(p.to_json() for p in people) + "\n"
    assert fldm.read_jsonl(jsonl) == people


def test_dicts_have_the_json_shape():
    """Dicts are built from the Rust values directly; they equal what the
    JSON text decodes to, for every kind of record the generator makes."""
    for p in fldm.synth(2000, seed=12):
        assert p.to_dict() == json.loads(p.to_json())


def test_validation_error_names_the_field():
    d = fldm.synth(1, seed=1)[0].to_dict()
    d["grundpersonalien"]["staatsangehoerigkeiten"] = ["166", "12345"]
    with pytest.raises(fldm.ValidationError) as ei:
        fldm.Person.from_dict(d)
    assert ei.value.field == "grundpersonalien.staatsangehoerigkeiten[1]"
    assert isinstance(ei.value, fldm.FldmError)
    # No personal data in the message.
    assert d["grundpersonalien"]["familienname"] not in str(ei.value)


def test_jsonl_error_carries_record_index_and_line():
    people = fldm.synth(3, seed=1)
    lines = [p.to_json() for p in people]
    lines[2] = lines[2].replace('"grundpersonalien"', '"grundpersonalienX"')
    with pytest.raises(fldm.ValidationError) as ei:
        fldm.read_jsonl("\n".join(lines))
    assert ei.value.record_index == 2
    assert ei.value.code in {"json", "invalid_input"} and ei.value.field is not None


def test_xml_error_is_a_validation_error():
    with pytest.raises(fldm.ValidationError) as ei:
        fldm.read_xml("<personen><person>")
    assert ei.value.code == "xml"


def test_policy_hash_decide_and_explain(policy_path):
    pol = fldm.Policy.load(policy_path)
    assert len(pol.hash) >= 32 and pol.hash == fldm.Policy.load(str(policy_path)).hash
    d = pol.decide(office="wohnungsamt", purpose="W01", case="WA-1")
    assert d["permitted"] and d["rule_id"] == "wohnungsamt-identifikation"
    assert set(d["attributes"]) == WOHNUNGSAMT_ATTRIBUTES
    assert d["legal_basis"]["law"] == "AZRG"
    no = pol.decide(office="wohnungsamt", purpose="70", case="WA-1")
    assert not no["permitted"] and no["reason"] in {"undeclared_purpose", "no_matching_rule"}
    assert pol.decide(office="wohnungsamt", purpose="W01")["reason"] == "case_reference_required"
    rows = pol.explain(office="wohnungsamt")
    assert rows and {r["office"] for r in rows} == {"wohnungsamt"}
    assert {r["operation"] for r in rows} >= {"read", "search", "write"}
    assert len(pol.explain()) > len(rows)


def test_apply_for_wohnungsamt_discloses_exactly_seven_attributes_plus_id(policy_path):
    pol = fldm.Policy.load(policy_path)
    people = fldm.synth(500, seed=7)
    out = pol.apply(people, office="wohnungsamt", purpose="W01", case="WA-2026-1")
    assert len(out) == len(people)
    seen: set[str] = set()
    for p, disclosed in zip(people, out):
        assert disclosed["fldm_id"] == p.fldm_id
        q = fldm.Person.from_dict(disclosed)
        names = set(q.attribute_names())
        assert names <= WOHNUNGSAMT_ATTRIBUTES
        # Everything permitted that the record has arrives unchanged.
        assert names == set(p.attribute_names()) & WOHNUNGSAMT_ATTRIBUTES
        g = disclosed.get("grundpersonalien", {})
        assert g.get("familienname") == p.to_dict()["grundpersonalien"].get("familienname")
        assert set(disclosed) <= {"fldm_id", "grundpersonalien", "anschrift"}
        assert set(disclosed.get("anschrift", {})) <= {"aktuell"}
        seen |= names
    assert seen == WOHNUNGSAMT_ATTRIBUTES
    # A single person gives a single dict.
    assert pol.apply(people[0], office="wohnungsamt", purpose="W01", case="WA-2026-1") == out[0]


def test_apply_denied_raises_policy_denied(policy_path):
    pol = fldm.Policy.load(policy_path)
    with pytest.raises(fldm.PolicyDenied) as ei:
        pol.apply(fldm.synth(2), office="wohnungsamt", purpose="W01")
    assert ei.value.reason == "case_reference_required"
    with pytest.raises(fldm.PolicyDenied) as ei:
        pol.apply(fldm.synth(2), office="nobody", purpose="W01", case="x")
    assert ei.value.reason == "unknown_office"
    with pytest.raises(fldm.ValidationError) as ei:
        pol.apply(fldm.synth(2), office="wohnungsamt", purpose="W01", case="x", operation="fly")
    assert ei.value.field == "operation"


def test_bad_policy_file_raises_policy_error_with_location(tmp_path: Path, policy_path):
    text = policy_path.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('"grundpersonalien.geburtsname",', '"grundpersonalien.lieblingsfarbe",', 1), encoding="utf-8")
    with pytest.raises(fldm.PolicyError) as ei:
        fldm.Policy.load(bad)
    assert ei.value.line is not None and ei.value.line > 1
    with pytest.raises(fldm.FldmIOError):
        fldm.Policy.load(tmp_path / "missing.toml")


def test_local_case_variant_differs_but_keeps_the_id():
    p = fldm.synth(20, seed=2)
    for q in p:
        v = fldm.local_case_variant(q, seed=1)
        assert v.fldm_id == q.fldm_id and v != q


def test_public_api_is_typed():
    root = Path(fldm.__file__).parent
    assert (root / "py.typed").exists() and (root / "_native.pyi").exists()
    assert json.loads(json.dumps(fldm.synth(1)[0].to_dict()))


def test_every_exception_is_an_fldm_error():
    classes = [getattr(fldm, n) for n in fldm.__all__ if isinstance(getattr(fldm, n), type)
               and issubclass(getattr(fldm, n), BaseException)]
    assert len(classes) == 17
    for c in classes:
        assert issubclass(c, fldm.FldmError), c
    assert issubclass(fldm.HubTimeout, fldm.HubUnavailable)
    assert issubclass(fldm.AuditTampered, fldm.AuditError)
    assert fldm.codes.CodeListError is fldm.CodeListError


def test_decide_on_a_date(policy_path):
    pol = fldm.Policy.load(policy_path)
    inside = pol.decide(office="wohnungsamt", purpose="W01", case="WA-1", date="2026-07-01")
    assert inside["permitted"] and inside["rule_id"] == "wohnungsamt-identifikation"
    # The reference policy is valid from 2026-01-01: before that nothing is permitted.
    before = pol.decide(office="wohnungsamt", purpose="W01", case="WA-1", date="2025-12-31")
    assert not before["permitted"] and before["reason"]
    with pytest.raises(fldm.ValidationError) as ei:
        pol.decide(office="wohnungsamt", purpose="W01", case="WA-1", date="31.02.2026")
    assert ei.value.field == "date"
