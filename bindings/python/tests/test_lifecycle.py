"""The record life cycle against the `fldm_hub` fixture: bulk import,
create, update, delete and merge by the owning office (the
Ausländerbehörde, purpose 70), tombstones in another office's change feed
and the receiver's acknowledgement.

The seeded population is keyed by AZR-Nummer; these tests import their own
synthetic records keyed by fresh Aktenzeichen (``PY-TEST/...``), so they do
not depend on the seed or on each other."""

from __future__ import annotations

import json
from itertools import count
from pathlib import Path
from typing import Any

import pytest

import fldm
from fldm.testing import FldmHub
from fldm.views import ChangeEntry

CASE_A = "ABH-2026-0042"
CASE_W = "WA-2026-0042"
_keys = count(1)

# A name and a date that must never appear in a report or an error.
SECRET_NAME = "Quenzelbrock"
IMPOSSIBLE_DATE = "1987-02-30"


def record(**grundpersonalien: Any) -> dict[str, Any]:
    """A synthetic record with a fresh Aktenzeichen and no FLDM id."""
    g: dict[str, Any] = {
        "familienname": "Haddad",
        "vornamen": "Lina",
        "geburtsdatum": "1990-03-04",
        "geschlecht": "w",
        "staatsangehoerigkeiten": ["475"],
    }
    g.update(grundpersonalien)
    return {"aktenzeichen": f"PY-TEST/{next(_keys)}", "grundpersonalien": g}


def person(**grundpersonalien: Any) -> fldm.Person:
    """The same as a ``fldm.Person`` (which needs an FLDM id; the import
    does not send it)."""
    return fldm.Person.from_dict({"fldm_id": "P000000001", **record(**grundpersonalien)})


@pytest.fixture(scope="module")
def abh(fldm_hub: FldmHub) -> fldm.HubClient:
    return fldm_hub.client("auslaenderbehoerde")


def feed_end(client: fldm.HubClient) -> int:
    feed = client.changes(purpose="W01", case=CASE_W)
    for _ in feed:
        pass
    return feed.cursor


def entries_about(client: fldm.HubClient, cursor: int, fldm_id: str) -> list[ChangeEntry]:
    return [e for e in client.changes(purpose="W01", case=CASE_W, cursor=cursor) if e["fldm_id"] == fldm_id]


# --- no hub call -------------------------------------------------------------


def test_deletion_reasons_are_the_documented_codes() -> None:
    assert fldm.DELETION_REASONS == (
        "frist", "wegzug", "einbuergerung", "tod", "ausreise",
        "doppelerfassung", "berichtigung", "abgang", "sonstiges",
    )
    assert fldm.DELETION_REASONS is fldm._native.DELETION_REASONS


def test_is_deletion_tells_tombstones_from_changes() -> None:
    change: ChangeEntry = {"seq": 1, "fldm_id": "P1", "changed": ["anschrift.aktuell"], "record": {}}
    tomb: ChangeEntry = {"seq": 2, "fldm_id": "P1", "deleted": {"reason": "tod", "at": "2026-12-03T10:00:00.000Z"}}
    assert not fldm.is_deletion(change)
    assert fldm.is_deletion(tomb)


def test_acknowledging_without_a_journal_checks_and_writes_nothing(fldm_hub: FldmHub) -> None:
    w = fldm_hub.client("wohnungsamt", journal=False)
    tomb: ChangeEntry = {
        "seq": 9, "fldm_id": "P000000002",
        "deleted": {"reason": "doppelerfassung", "at": "2026-12-03T10:00:00.000Z", "merged_into": "P000000001"},
    }
    ack = w.acknowledge_deletion(tomb, action="relinked", to="P000000001", purpose="W01", case=CASE_W)
    assert ack == {"fldm_id": "P000000002", "action": "relinked", "to": "P000000001", "journaled": False}
    assert w.journal_len() == 0


# --- import -----------------------------------------------------------------


def test_import_of_dicts_and_persons_counts_and_a_second_run_changes_nothing(abh: fldm.HubClient) -> None:
    records: list[Any] = [record(), record(vornamen="Omar", geschlecht="m"), person(), person()]
    r = abh.import_persons(records, purpose="70", case=CASE_A, batch_size=3)
    assert r == {"created": 4, "updated": 0, "unchanged": 0, "refused": 0, "batches": 2, "refusals": []}
    # The same stock again: nothing is written.
    again = abh.import_persons(iter(records), purpose="70", case=CASE_A)
    assert (again["created"], again["updated"], again["unchanged"], again["refused"]) == (0, 0, 4, 0)
    # A changed value updates the record with that key.
    changed = dict(records[0], grundpersonalien=dict(records[0]["grundpersonalien"], familienname="Haddat"))
    third = abh.import_persons([changed, records[1]], purpose="70", case=CASE_A)
    assert (third["updated"], third["unchanged"]) == (1, 1)


def test_refused_records_name_position_and_field_but_no_value(abh: fldm.HubClient) -> None:
    no_key = record(familienname=SECRET_NAME)
    del no_key["aktenzeichen"]
    bad_date = record(familienname=SECRET_NAME, geburtsdatum=IMPOSSIBLE_DATE)
    r = abh.import_persons([record(), no_key, bad_date, record()], purpose="70", case=CASE_A)
    assert (r["created"], r["refused"]) == (2, 2)
    assert r["refusals"] == [
        {"index": 1, "field": "azr_nummer", "reason": "missing_key"},
        {"index": 2, "field": "grundpersonalien.geburtsdatum", "reason": "invalid"},
    ]
    text = json.dumps(r)
    assert SECRET_NAME not in text and IMPOSSIBLE_DATE not in text
    # A single write of the same record is an error that names the field only.
    with pytest.raises(fldm.ValidationError) as e:
        abh.create_person(bad_date, purpose="70", case=CASE_A)
    assert e.value.field == "grundpersonalien.geburtsdatum"
    assert SECRET_NAME not in str(e.value) and IMPOSSIBLE_DATE not in str(e.value)


def test_import_arguments_are_checked_before_anything_is_sent(abh: fldm.HubClient) -> None:
    for size in (0, -1, 10_001):
        with pytest.raises(fldm.ValidationError) as e:
            abh.import_persons([record()], purpose="70", case=CASE_A, batch_size=size)
        assert e.value.field == "batch_size"
    with pytest.raises(fldm.ValidationError) as e:
        abh.import_persons([record(), "not a record"], purpose="70", case=CASE_A)  # type: ignore[list-item]
    assert e.value.field == "records"
    # A dict that is no JSON at all is refused in place.
    r = abh.import_persons([{"aktenzeichen": object()}], purpose="70", case=CASE_A)
    assert (r["refused"], r["batches"], r["refusals"][0]["index"]) == (1, 0, 0)


def test_import_file_reads_json_lines_and_xml(abh: fldm.HubClient, tmp_path: Path) -> None:
    bad = record(geburtsdatum=IMPOSSIBLE_DATE)
    lines = [json.dumps(record()), json.dumps(bad), json.dumps(record())]
    jsonl = tmp_path / "bestand.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = abh.import_file(jsonl, purpose="70", case=CASE_A)
    assert (r["created"], r["refused"], r["batches"]) == (2, 1, 1)
    assert r["refusals"] == [{"index": 1, "field": "grundpersonalien.geburtsdatum", "reason": "invalid"}]
    assert abh.import_file(str(jsonl), purpose="70", case=CASE_A, format="json")["unchanged"] == 2

    xml = tmp_path / "bestand.xml"
    xml.write_text(fldm.write_xml([person(), person(), person()]), encoding="utf-8")
    r = abh.import_file(xml, purpose="70", case=CASE_A)
    assert (r["created"], r["refused"]) == (3, 0)
    # The format can be named when the file name does not say it.
    renamed = tmp_path / "bestand.dat"
    renamed.write_bytes(xml.read_bytes())
    assert abh.import_file(renamed, purpose="70", case=CASE_A, format="xml")["unchanged"] == 3

    with pytest.raises(fldm.ValidationError) as e:
        abh.import_file(xml, purpose="70", case=CASE_A, format="csv")  # type: ignore[arg-type]
    assert e.value.field == "format"
    with pytest.raises(fldm.FldmIOError):
        abh.import_file(tmp_path / "missing.jsonl", purpose="70", case=CASE_A)


def test_only_the_owning_office_imports(fldm_hub: FldmHub) -> None:
    w = fldm_hub.client("wohnungsamt")
    with pytest.raises(fldm.PolicyDenied):
        w.import_persons([record()], purpose="W01", case=CASE_W)


# --- create, update, delete, merge ------------------------------------------


def test_create_and_update_with_an_expected_version(abh: fldm.HubClient) -> None:
    rec = record()
    created = abh.create_person(rec, purpose="70", case=CASE_A)
    fid = created["fldm_id"]
    assert created["version"] == 1 and "aktenzeichen" in created["changed"]
    patch = dict(rec, fldm_id=fid, grundpersonalien=dict(rec["grundpersonalien"], familienname="Haddat"))
    updated = abh.update_person(patch, expected_version=1, purpose="70", case=CASE_A)
    assert (updated["fldm_id"], updated["version"], updated["changed"]) == (
        fid, 2, ["grundpersonalien.familienname"],
    )
    with pytest.raises(fldm.Conflict) as e:
        abh.update_person(patch, expected_version=1, purpose="70", case=CASE_A)
    assert e.value.reason == "version_conflict"
    # A Person works as well; the same values change nothing.
    same = abh.update_person(fldm.Person.from_dict(patch), purpose="70", case=CASE_A)
    assert same["changed"] == []
    with pytest.raises(fldm.ValidationError) as e:
        abh.update_person(rec, purpose="70", case=CASE_A)
    assert e.value.field == "record.fldm_id"


def test_deletion_reaches_another_office_as_a_tombstone(fldm_hub: FldmHub, abh: fldm.HubClient) -> None:
    w = fldm_hub.client("wohnungsamt")
    fid = abh.create_person(record(), purpose="70", case=CASE_A)["fldm_id"]
    cursor = feed_end(w)
    d = abh.delete_person(fid, "wegzug", purpose="70", case=CASE_A)
    assert d["fldm_id"] == fid
    assert d["deleted"]["reason"] == "wegzug" and "merged_into" not in d["deleted"]

    entries = entries_about(w, cursor, fid)
    assert len(entries) == 1
    tomb = entries[0]
    assert fldm.is_deletion(tomb)
    assert "record" not in tomb
    assert tomb["deleted"] == d["deleted"]
    with pytest.raises(fldm.NotFound):
        w.get_person(fid, purpose="W01", case=CASE_W)
    # Entries with records are as before.
    other = abh.create_person(record(), purpose="70", case=CASE_A)["fldm_id"]
    (change,) = entries_about(w, cursor, other)
    assert not fldm.is_deletion(change)
    assert change["record"]["fldm_id"] == other and change["changed"]


def test_merge_names_the_survivor_in_the_tombstone(fldm_hub: FldmHub, abh: fldm.HubClient) -> None:
    w = fldm_hub.client("wohnungsamt")
    survivor = abh.create_person(record(), purpose="70", case=CASE_A)["fldm_id"]
    duplicate = abh.create_person(record(), purpose="70", case=CASE_A)["fldm_id"]
    cursor = feed_end(w)
    m = abh.merge_persons(survivor, duplicate, purpose="70", case=CASE_A)
    assert (m["fldm_id"], m["duplicate"]) == (survivor, duplicate)
    assert m["deleted"]["reason"] == "doppelerfassung"
    assert m["deleted"]["merged_into"] == survivor
    (tomb,) = entries_about(w, cursor, duplicate)
    assert tomb["deleted"]["merged_into"] == survivor
    assert w.get_person(survivor, purpose="W01", case=CASE_W)["record"]["fldm_id"] == survivor


def test_an_unknown_reason_is_refused_naming_reason(abh: fldm.HubClient) -> None:
    fid = abh.create_person(record(), purpose="70", case=CASE_A)["fldm_id"]
    with pytest.raises(fldm.ValidationError) as e:
        abh.delete_person(fid, "umzug-nach-bonn", purpose="70", case=CASE_A)
    assert (e.value.field, e.value.code) == ("reason", "invalid_argument")
    assert "umzug-nach-bonn" not in str(e.value)
    assert "wegzug" in str(e.value)
    # Nothing was deleted.
    assert abh.get_person(fid, purpose="70", case=CASE_A)["record"]["fldm_id"] == fid


def test_acknowledging_a_deletion_adds_one_client_journal_record(fldm_hub: FldmHub, abh: fldm.HubClient) -> None:
    w = fldm_hub.client("wohnungsamt")
    survivor = abh.create_person(record(), purpose="70", case=CASE_A)["fldm_id"]
    gone = abh.create_person(record(), purpose="70", case=CASE_A)["fldm_id"]
    duplicate = abh.create_person(record(), purpose="70", case=CASE_A)["fldm_id"]
    cursor = feed_end(w)
    abh.delete_person(gone, "tod", purpose="70", case=CASE_A)
    abh.merge_persons(survivor, duplicate, purpose="70", case=CASE_A)
    fresh = abh.create_person(record(), purpose="70", case=CASE_A)["fldm_id"]
    # (The hub may delete other records meanwhile, e.g. at a deadline.)
    entries = list(w.changes(purpose="W01", case=CASE_W, cursor=cursor))
    by_id = {e["fldm_id"]: e for e in entries if fldm.is_deletion(e) and e["fldm_id"] in (gone, duplicate)}
    assert set(by_id) == {gone, duplicate}
    change = next(e for e in entries if e["fldm_id"] == fresh)

    before = w.journal_len()
    ack = w.acknowledge_deletion(by_id[gone], purpose="W01", case=CASE_W)
    assert ack == {"fldm_id": gone, "action": "deleted", "to": None, "journaled": True}
    assert w.journal_len() == before + 1
    relink = w.acknowledge_deletion(
        by_id[duplicate], action="relinked", to=by_id[duplicate]["deleted"]["merged_into"],
        purpose="W01", case=CASE_W,
    )
    assert (relink["action"], relink["to"]) == ("relinked", survivor)
    assert w.journal_len() == before + 2

    # Wrong use is an error naming the argument, and journals nothing.
    with pytest.raises(fldm.ValidationError) as e:
        w.acknowledge_deletion(by_id[duplicate], action="relinked", purpose="W01", case=CASE_W)
    assert e.value.field == "to"
    with pytest.raises(fldm.ValidationError) as e:
        w.acknowledge_deletion(change, purpose="W01", case=CASE_W)
    assert e.value.field == "entry"
    with pytest.raises(fldm.ValidationError) as e:
        w.acknowledge_deletion(by_id[gone], action="ignored", purpose="W01", case=CASE_W)  # type: ignore[arg-type]
    assert e.value.field == "action"
    assert w.journal_len() == before + 2
