//! Prints what `fldm_core::matching` computes for names and name pairs, as
//! JSON lines, for cross-checks against other implementations
//! (`tests/python/test_matching_reference.py`).
//!
//! Usage:
//!
//! - `matching_dump` reads lines from standard input. A line `a<TAB>b` gives
//!   `{"a", "b", "jaro", "jaro_winkler"}`; any other line gives `{"name",
//!   "search_form", "koelner", "koelner_raw", "koelner_words"}`.
//! - `matching_dump synth-names <count> <seed>` prints every distinct name
//!   of the synthetic population (one per line), and every name the
//!   generator can write.
//! - `matching_dump bench <count>` times scoring a query against `count`
//!   synthetic persons (build with `--release`), with and without prepared
//!   records, against the time to clone the same records as a baseline.
//! - `matching_dump recall <count> <queries>` measures blocking recall,
//!   recall@1 and recall@5 on a synthetic population of `count` persons, as
//!   the test `synthetic_population_recall` does for 5,000 (build with
//!   `--release` for large counts).

use std::collections::BTreeSet;
use std::io::{self, BufRead, BufWriter, Write};
use std::time::Instant;

use fldm_core::matching::{
    PreparedPerson, Query, jaro, jaro_winkler, koelner_phonetik, koelner_phonetik_raw,
    koelner_phonetik_words, score, score_prepared,
};
use fldm_core::record::NamePart;
use fldm_core::text::search_form;
use serde_json::json;

fn synth_names(count: usize, seed: u64) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut add = |p: &Option<NamePart>| {
        if let Some(n) = p.as_ref().and_then(NamePart::wert) {
            names.insert(n.to_string());
        }
    };
    for p in fldm_synth::population(count, seed) {
        let g = &p.grundpersonalien;
        add(&g.familienname);
        add(&g.geburtsname);
        add(&g.vornamen);
        add(&g.familienname_nach_deutschem_recht);
        let w = &p.weitere_personalien;
        for v in w.andere_schreibweisen.iter().chain(w.fruehere_namen.iter()) {
            add(&v.familienname);
            add(&v.vornamen);
        }
        for a in &w.aliaspersonalien {
            add(&a.familienname);
            add(&a.vornamen);
        }
        for f in &p.asyl.familienangehoerige {
            add(&f.familienname);
            add(&f.vornamen);
        }
    }
    names.extend(fldm_synth::name_table().map(str::to_string));
    names
}

fn bench(count: usize) {
    let pop = fldm_synth::population(count, 5);
    let queries: Vec<Query> = pop
        .iter()
        .step_by((count / 50).max(1))
        .filter_map(|p| Query::from_person(&fldm_synth::local_case_variant(p, 1)).ok())
        .collect();
    let t = Instant::now();
    let mut sink = 0usize;
    for _ in &queries {
        let copy = pop.clone();
        sink += copy.len();
    }
    let clone = t.elapsed();
    let t = Instant::now();
    let mut total = 0.0;
    for q in &queries {
        for p in &pop {
            total += score(q, p).weight;
        }
    }
    let plain = t.elapsed();
    let prepared: Vec<PreparedPerson> = pop.iter().map(PreparedPerson::new).collect();
    let t = Instant::now();
    for q in &queries {
        for p in &prepared {
            total += score_prepared(q, p).weight;
        }
    }
    let fast = t.elapsed();
    let keys: usize = prepared.iter().map(|p| p.blocking_keys().len()).sum();
    println!(
        "blocking keys per record: {:.1}",
        keys as f64 / prepared.len() as f64
    );
    let n = (queries.len() * pop.len()) as f64;
    println!(
        "{} queries x {} persons: score {:.2} us/pair, score_prepared {:.2} us/pair, cloning the record {:.2} us/record (baseline); ratios to baseline {:.1} and {:.1} (checksum {:.0}, {sink})",
        queries.len(),
        pop.len(),
        plain.as_secs_f64() * 1e6 / n,
        fast.as_secs_f64() * 1e6 / n,
        clone.as_secs_f64() * 1e6 / n,
        plain.as_secs_f64() / clone.as_secs_f64(),
        fast.as_secs_f64() / clone.as_secs_f64(),
        total,
    );
}

#[path = "../tests/support/recall.rs"]
mod recall;
use recall::recall;

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    if args.first().map(String::as_str) == Some("synth-names") {
        let count = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
        let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
        for n in synth_names(count, seed) {
            writeln!(out, "{n}")?;
        }
        return out.flush();
    }
    if args.first().map(String::as_str) == Some("recall") {
        let n = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5000);
        let queries = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
        let r = recall(n, queries, 4711, 3);
        println!(
            "population {n}, {} queries: blocking recall {:.1}%, recall@1 {:.1}%, recall@5 {:.1}%, candidates per query {:.1} (max {})",
            r.asked,
            r.pct(r.blocked),
            r.pct(r.at1),
            r.pct(r.at5),
            r.candidates as f64 / r.asked as f64,
            r.max_candidates
        );
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("bench") {
        bench(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2000));
        return Ok(());
    }
    for line in io::stdin().lock().lines() {
        let line = line?;
        let value = match line.split_once('\t') {
            Some((a, b)) => json!({
                "a": a,
                "b": b,
                "jaro": jaro(a, b),
                "jaro_winkler": jaro_winkler(a, b),
            }),
            None => json!({
                "name": line,
                "search_form": search_form(&line),
                "koelner": koelner_phonetik(&line),
                "koelner_raw": koelner_phonetik_raw(&line),
                "koelner_words": koelner_phonetik_words(&line),
            }),
        };
        writeln!(out, "{value}")?;
    }
    out.flush()
}
