"""Data-quality findings per nationality, from the hub's change feed.

As the Ausländerbehörde (purpose 70, with a case reference), read the whole
change feed, keep the latest state of each record, and count per
nationality (first Staatsangehörigkeit):

* placeholder birth dates (day and month 01.01.),
* missing Geburtsname,
* name parts recorded as "nicht vorhanden",
* records without a current address.

Writes a CSV and a PNG bar chart (matplotlib, Agg backend). Only counts
leave the script: no names or birth dates.

    python data_quality.py --hub https://127.0.0.1:8443 --pki ./pki \
        --case ABH-2026-0042 --csv quality.csv --png quality.png --journal ./journal

The client journal (the office's own access log) is on by default: give
``--journal DIR`` or, where the office keeps none, ``--no-journal``.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import fldm

FINDINGS = ["placeholder_birth_date", "missing_geburtsname", "name_part_nicht_vorhanden", "no_address"]


def findings(record: dict[str, Any]) -> list[str]:
    g = record.get("grundpersonalien", {})
    out = []
    d = g.get("geburtsdatum")
    if isinstance(d, str) and len(d) == 10 and d.endswith("-01-01"):
        out.append("placeholder_birth_date")
    if "geburtsname" not in g:
        out.append("missing_geburtsname")
    if any(isinstance(g.get(k), dict) and g[k].get("nicht_vorhanden") for k in ("familienname", "vornamen", "geburtsname")):
        out.append("name_part_nicht_vorhanden")
    if "aktuell" not in record.get("anschrift", {}):
        out.append("no_address")
    return out


def nationality(record: dict[str, Any]) -> str:
    codes = record.get("grundpersonalien", {}).get("staatsangehoerigkeiten") or ["999"]
    return str(codes[0])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hub", required=True, help="hub base URL (https://...)")
    ap.add_argument("--pki", required=True, type=Path, help="directory with ca.pem, auslaenderbehoerde.pem, -key.pem")
    ap.add_argument("--user", default="abh-statistik")
    ap.add_argument("--case", required=True, help="case reference (Geschäftszeichen) of the review")
    journal = ap.add_mutually_exclusive_group(required=True)
    journal.add_argument("--journal", type=Path, help="client audit journal directory (AZRG § 13)")
    journal.add_argument("--no-journal", action="store_true", help="run without a client journal")
    ap.add_argument("--csv", required=True, type=Path)
    ap.add_argument("--png", required=True, type=Path)
    args = ap.parse_args(argv)

    client = fldm.HubClient(
        args.hub,
        ca=args.pki / "ca.pem",
        cert=args.pki / "auslaenderbehoerde.pem",
        key=args.pki / "auslaenderbehoerde-key.pem",
        user=args.user,
        office="auslaenderbehoerde",
        journal_dir=args.journal,
        no_journal=args.no_journal,
    )
    latest: dict[str, dict[str, Any]] = {}
    for entry in client.changes(purpose="70", case=args.case):
        latest[entry["record"]["fldm_id"]] = entry["record"]

    table: dict[str, Counter[str]] = defaultdict(Counter)
    for rec in latest.values():
        row = table[nationality(rec)]
        row["records"] += 1
        for f in findings(rec):
            row[f] += 1

    nats = sorted(table, key=lambda n: (-table[n]["records"], n))
    with open(args.csv, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["staatsangehoerigkeit", "records", *FINDINGS])
        for n in nats:
            w.writerow([n, table[n]["records"], *(table[n][f] for f in FINDINGS)])

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5))
    width = 0.8 / len(FINDINGS)
    for i, f in enumerate(FINDINGS):
        ax.bar([x + i * width for x in range(len(nats))], [table[n][f] for n in nats], width, label=f)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(nats))], nats)
    ax.set_xlabel("Staatsangehörigkeit (DESTATIS code)")
    ax.set_ylabel("records with finding")
    ax.set_title(f"Data-quality findings, {len(latest)} records")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.png, dpi=100)
    print(f"{len(latest)} records, {len(nats)} nationalities -> {args.csv}, {args.png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
