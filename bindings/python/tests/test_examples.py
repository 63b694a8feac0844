"""The scripts of examples/python run against the fixture hub."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import fldm
from fldm.testing import FldmHub

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "python"


def run(*args: str) -> str:
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_data_quality(fldm_hub: FldmHub, tmp_path: Path):
    out_csv, out_png = tmp_path / "q.csv", tmp_path / "q.png"
    run(str(EXAMPLES / "data_quality.py"), "--hub", fldm_hub.url, "--pki", str(fldm_hub.dir),
        "--case", "ABH-2026-0042", "--csv", str(out_csv), "--png", str(out_png),
        "--journal", str(tmp_path / "journal"))
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert sum(int(r["records"]) for r in rows) == fldm_hub.persons
    # The synthetic population has each kind of finding somewhere.
    for f in ("placeholder_birth_date", "missing_geburtsname", "name_part_nicht_vorhanden", "no_address"):
        assert sum(int(r[f]) for r in rows) > 0, f
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_link_cases(fldm_hub: FldmHub, tmp_path: Path):
    cases, out = tmp_path / "cases.csv", tmp_path / "links.csv"
    run(str(EXAMPLES / "link_cases.py"), "--cases", str(cases), "--make-sample", "40",
        "--population", str(fldm_hub.persons), "--population-seed", str(fldm_hub.seed))
    truth = {r["case_id"]: r["true_fldm_id"] for r in csv.DictReader(cases.open(encoding="utf-8"))}
    assert len(truth) == 40
    run(str(EXAMPLES / "link_cases.py"), "--hub", fldm_hub.url, "--pki", str(fldm_hub.dir),
        "--cases", str(cases), "--out", str(out), "--no-journal")
    links = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["case_id"] for r in links] == list(truth)
    right = sum(1 for r in links if r["fldm_id"] == truth[r["case_id"]])
    # Spelling variants and partial dates still find most people; the
    # score of a right link is a number.
    assert right >= 30, f"{right} of 40 linked correctly"
    assert all(float(r["score"]) for r in links if r["fldm_id"])


def test_stock_and_tombstones(fldm_hub: FldmHub, tmp_path: Path):
    script = str(EXAMPLES / "stock_and_tombstones.py")
    hub = ["--hub", fldm_hub.url, "--pki", str(fldm_hub.dir)]
    stock, store = tmp_path / "bestand.jsonl", tmp_path / "kopie.json"
    run(script, "--make-sample", "12", "--seed", "5", "--file", str(stock))
    abh = [*hub, "--case", "ABH-2026-0042", "--journal", str(tmp_path / "journal-abh")]
    first = json.loads(run(script, "import", *abh, "--file", str(stock)))
    assert (first["created"], first["refused"]) == (12, 0)
    again = json.loads(run(script, "import", *abh, "--file", str(stock)))
    assert (again["created"], again["unchanged"]) == (0, 12)

    wa = [*hub, "--office", "wohnungsamt", "--purpose", "W01", "--case", "WA-2026-0042",
          "--store", str(store), "--journal", str(tmp_path / "journal-wa")]
    synced = json.loads(run(script, "follow", *wa))
    copy = json.loads(store.read_text(encoding="utf-8"))
    assert synced["records"] == len(copy) >= 12

    # The owner deletes one imported record and merges two others; the
    # next run drops the copies and acknowledges both tombstones.
    owner = fldm_hub.client("auslaenderbehoerde")
    mine = [e["fldm_id"] for e in owner.changes(purpose="70", case="ABH-2026-0042")
            if not fldm.is_deletion(e) and "ABH-SAMPLE/5/" in str(e.get("record", {}).get("aktenzeichen"))]
    gone, survivor, duplicate = mine[:3]
    owner.delete_person(gone, "ausreise", purpose="70", case="ABH-2026-0042")
    owner.merge_persons(survivor, duplicate, purpose="70", case="ABH-2026-0042")
    after = json.loads(run(script, "follow", *wa))
    assert after["deleted"] >= 1 and after["relinked"] >= 1
    copy = json.loads(store.read_text(encoding="utf-8"))
    assert gone not in copy and duplicate not in copy and survivor in copy
    # Resumed from the stored cursor: nothing new the third time.
    assert json.loads(run(script, "follow", *wa))["changed"] == 0
