"""Throughput of ``Policy.apply`` against a pure-Python projection.

Both sides project the same synthetic records to what the Wohnungsamt may
receive (purpose W01): ``policy.apply`` (native, from ``fldm.Person``
objects) and a dict comprehension over the records' dicts that keeps the
same seven attributes plus the FLDM id (no policy evaluation, no
transformations, so the baseline is a lower bound of the work). Prints
records per second of each and their ratio, measured in the same run.

Both sides allocate many small dicts, so Python's cyclic garbage collector
runs during them, and how often depends on everything allocated before
(here: 100,000 records and their dicts). As ``timeit`` does, the main
figures are taken with the collector off; the figures with the collector on
are printed too, and vary from run to run with the collector's state.

    python bench_apply.py [--count 100000] [--policy policies/reference.toml]
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path
from typing import Any

import fldm

ROOT = Path(__file__).resolve().parents[2]


def project(d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"fldm_id": d["fldm_id"]}
    g = d.get("grundpersonalien")
    if g:
        gp = {k: g[k] for k in ("familienname", "geburtsname", "vornamen", "geburtsdatum", "geschlecht",
                                "staatsangehoerigkeiten") if k in g}
        if gp:
            out["grundpersonalien"] = gp
    a = d.get("anschrift", {}).get("aktuell")
    if a:
        out["anschrift"] = {"aktuell": a}
    return out


def best_of(n: int, f: Any) -> float:
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--policy", type=Path, default=ROOT / "policies" / "reference.toml")
    args = ap.parse_args()
    pol = fldm.Policy.load(args.policy)
    people = fldm.synth(args.count, seed=1)
    dicts = [p.to_dict() for p in people]

    native_out = pol.apply(people, office="wohnungsamt", purpose="W01", case="WA-1")
    python_out = [project(d) for d in dicts]
    assert native_out == python_out, "the two projections differ"

    del native_out, python_out

    def native() -> object:
        return pol.apply(people, office="wohnungsamt", purpose="W01", case="WA-1")

    def python() -> object:
        return [project(d) for d in dicts]

    n = args.count
    print(f"records: {n}")
    for label, collector in (("collector off", False), ("collector on", True)):
        gc.collect()
        if not collector:
            gc.disable()
        try:
            # Alternate the two sides so neither always runs after the other.
            t_native = t_python = float("inf")
            for _ in range(args.repeat):
                t_native = min(t_native, best_of(1, native))
                t_python = min(t_python, best_of(1, python))
        finally:
            gc.enable()
        print(f"[{label}]")
        print(f"  policy.apply (native):          {n / t_native:12,.0f} records/s")
        print(f"  dict comprehension (baseline):  {n / t_python:12,.0f} records/s")
        print(f"  ratio native/baseline:          {t_python / t_native:12.2f}x")


if __name__ == "__main__":
    main()
