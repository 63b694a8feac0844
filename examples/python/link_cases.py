"""Link a department's local cases to hub records.

Reads a CSV of local cases (columns: case_id, familienname, vornamen,
geburtsdatum, geschlecht, staatsangehoerigkeit; names may be spelled
differently, birth dates may be partial: YYYY, YYYY-MM or YYYY-MM-DD) and
searches the hub as the Wohnungsamt (purpose W01). Writes, for each case,
the best candidate with its score and probability. Non-matching candidates
are not kept (AZRG § 10 Abs. 3).

    python link_cases.py --hub https://127.0.0.1:8443 --pki ./pki \
        --cases cases.csv --out links.csv --journal ./journal

``--make-sample N`` writes a sample case list from the synthetic
population instead (spelling variants and coarser birth dates, via
``fldm.local_case_variant``), with the true FLDM id in a last column.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any, Optional

import fldm
from fldm.views import Candidate

COLUMNS = ["case_id", "familienname", "vornamen", "geburtsdatum", "geschlecht", "staatsangehoerigkeit"]


def _name(v: Any) -> str:
    return v if isinstance(v, str) else ""


def make_sample(path: Path, count: int, seed: int, population_seed: int, population: int) -> None:
    people = fldm.synth(population, seed=population_seed)
    step = max(1, population // count)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*COLUMNS, "true_fldm_id"])
        for i, p in enumerate(people[::step][:count]):
            v = fldm.local_case_variant(p, seed=seed).to_dict().get("grundpersonalien", {})
            nat = (v.get("staatsangehoerigkeiten") or [""])[0]
            d = v.get("geburtsdatum")
            w.writerow([
                f"WA-{i + 1:05d}", _name(v.get("familienname")), _name(v.get("vornamen")),
                d if isinstance(d, str) and d != "unbekannt" else "", v.get("geschlecht", ""), nat, p.fldm_id,
            ])


def link(client: fldm.HubClient, row: dict[str, str]) -> Optional[Candidate]:
    q = {k: (row.get(k) or None) for k in COLUMNS[1:]}
    r = client.search(purpose="W01", case=row["case_id"], limit=5, **q)
    return r["candidates"][0] if r["candidates"] else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hub")
    ap.add_argument("--pki", type=Path)
    ap.add_argument("--user", default="wa-abgleich")
    ap.add_argument("--cases", type=Path, required=True)
    ap.add_argument("--out", type=Path)
    journal = ap.add_mutually_exclusive_group()
    journal.add_argument("--journal", type=Path, help="client audit journal directory (AZRG § 13)")
    journal.add_argument("--no-journal", action="store_true", help="run without a client journal")
    ap.add_argument("--make-sample", type=int, metavar="N")
    ap.add_argument("--population", type=int, default=300, help="size of the seeded hub population")
    ap.add_argument("--population-seed", type=int, default=11)
    args = ap.parse_args(argv)
    if args.make_sample:
        make_sample(args.cases, args.make_sample, 1, args.population_seed, args.population)
        return 0
    if not (args.hub and args.pki and args.out):
        ap.error("--hub, --pki and --out are required")
    if args.journal is None and not args.no_journal:
        ap.error("the client journal is on by default: give --journal DIR or --no-journal")
    client = fldm.HubClient(
        args.hub,
        ca=args.pki / "ca.pem",
        cert=args.pki / "wohnungsamt.pem",
        key=args.pki / "wohnungsamt-key.pem",
        user=args.user,
        office="wohnungsamt",
        journal_dir=args.journal,
        no_journal=args.no_journal,
    )
    linked = 0
    with open(args.cases, newline="", encoding="utf-8") as fin, open(args.out, "w", newline="", encoding="utf-8") as fout:
        w = csv.writer(fout)
        w.writerow(["case_id", "fldm_id", "score", "probability", "matched_on"])
        for row in csv.DictReader(fin):
            best = link(client, row)
            if best is None:
                w.writerow([row["case_id"], "", "", "", ""])
                continue
            linked += 1
            w.writerow([row["case_id"], best["record"]["fldm_id"], f"{best['score']:.3f}",
                        f"{best['probability']:.4f}", " ".join(best["matched_on"])])
    print(f"linked {linked} cases -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
