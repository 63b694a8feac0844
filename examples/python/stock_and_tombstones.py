"""Load an office's stock into the hub, and keep a local copy in step.

Two tasks of a city's developers:

``import``: the owning office (the Ausländerbehörde, purpose 70) loads its
stock from a JSON-lines file (one record per line, keyed by AZR-Nummer or
Aktenzeichen). Records already in the hub with the same values write
nothing; refused records are listed by line and field, never by value.

``follow``: a receiving office (e.g. the Wohnungsamt, purpose W01) keeps a
local copy (a JSON file: FLDM id -> record) in step with its change feed.
A change replaces the copy; a tombstone deletes it, or for a merge
(``merged_into``) relinks the local case to the surviving record, and the
office journals that it acted (``acknowledge_deletion``). The cursor is
stored next to the copy, so the next run resumes where this one stopped.

    python stock_and_tombstones.py import --hub https://127.0.0.1:8443 --pki ./pki \\
        --case ABH-2026-1 --file bestand.jsonl --journal ./journal-abh
    python stock_and_tombstones.py follow --hub https://127.0.0.1:8443 --pki ./pki \\
        --office wohnungsamt --purpose W01 --case WA-2026-1 --store copy.json \\
        --journal ./journal-wa

``--make-sample N --file F`` writes a synthetic stock of N records instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import fldm


def make_sample(path: Path, count: int, seed: int) -> None:
    """N synthetic records keyed by Aktenzeichen, without FLDM ids."""
    with open(path, "w", encoding="utf-8") as fh:
        for i, p in enumerate(fldm.synth(count, seed=seed)):
            d = p.to_dict()
            del d["fldm_id"]
            d.pop("azr_nummer", None)
            d["aktenzeichen"] = f"ABH-SAMPLE/{seed}/{i + 1}"
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")


def client_for(args: argparse.Namespace) -> fldm.HubClient:
    pki: Path = args.pki
    return fldm.HubClient(
        args.hub,
        ca=pki / "ca.pem",
        cert=pki / f"{args.office}.pem",
        key=pki / f"{args.office}-key.pem",
        user=args.user,
        office=args.office,
        journal_dir=args.journal,
        no_journal=args.no_journal,
    )


def run_import(client: fldm.HubClient, args: argparse.Namespace) -> int:
    report = client.import_file(args.file, purpose=args.purpose, case=args.case)
    for r in report["refusals"]:
        # Line numbers are 1-based; the report's index is 0-based.
        print(f"line {r['index'] + 1}: {r['reason']} ({r['field'] or '-'})", file=sys.stderr)
    print(json.dumps({k: v for k, v in report.items() if k != "refusals"}))
    return 0


def run_follow(client: fldm.HubClient, args: argparse.Namespace) -> int:
    store_path: Path = args.store
    cursor_path = store_path.with_suffix(".cursor")
    store: dict[str, Any] = (
        json.loads(store_path.read_text(encoding="utf-8")) if store_path.exists() else {}
    )
    cursor = int(cursor_path.read_text()) if cursor_path.exists() else 0
    counts = {"changed": 0, "deleted": 0, "relinked": 0}
    feed = client.changes(purpose=args.purpose, case=args.case, cursor=cursor)
    for entry in feed:
        fid = entry["fldm_id"]
        if not fldm.is_deletion(entry):
            if "record" in entry:
                store[fid] = entry["record"]
            counts["changed"] += 1
            continue
        tombstone = entry["deleted"]
        store.pop(fid, None)
        survivor = tombstone.get("merged_into")
        if survivor is None:
            client.acknowledge_deletion(entry, purpose=args.purpose, case=args.case)
            counts["deleted"] += 1
        else:
            # The local case now refers to the surviving record; its
            # current values come with its own change entries.
            client.acknowledge_deletion(
                entry, action="relinked", to=survivor, purpose=args.purpose, case=args.case
            )
            counts["relinked"] += 1
    store_path.write_text(json.dumps(store, ensure_ascii=False), encoding="utf-8")
    cursor_path.write_text(str(feed.cursor))
    print(json.dumps({**counts, "records": len(store), "cursor": feed.cursor}))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("task", choices=["import", "follow"], nargs="?")
    ap.add_argument("--hub")
    ap.add_argument("--pki", type=Path)
    ap.add_argument("--office", default="auslaenderbehoerde")
    ap.add_argument("--purpose", default="70")
    ap.add_argument("--case")
    ap.add_argument("--user", default="bestand")
    ap.add_argument("--file", type=Path, help="JSON-lines stock (import, --make-sample)")
    ap.add_argument("--store", type=Path, help="the local copy (follow)")
    journal = ap.add_mutually_exclusive_group()
    journal.add_argument("--journal", type=Path, help="client audit journal directory (AZRG § 13)")
    journal.add_argument("--no-journal", action="store_true", help="run without a client journal")
    ap.add_argument("--make-sample", type=int, metavar="N")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.make_sample:
        if not args.file:
            ap.error("--make-sample needs --file")
        make_sample(args.file, args.make_sample, args.seed)
        return 0
    if not (args.task and args.hub and args.pki and args.case):
        ap.error("a task, --hub, --pki and --case are required")
    if args.journal is None and not args.no_journal:
        ap.error("the client journal is on by default: give --journal DIR or --no-journal")
    client = client_for(args)
    if args.task == "import":
        if not args.file:
            ap.error("import needs --file")
        return run_import(client, args)
    if not args.store:
        ap.error("follow needs --store")
    return run_follow(client, args)


if __name__ == "__main__":
    raise SystemExit(main())
