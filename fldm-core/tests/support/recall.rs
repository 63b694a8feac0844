//! Recall of the blocking index and the ranking on a synthetic population,
//! shared by `tests/matching.rs` and `examples/matching_dump.rs`.

use std::collections::HashMap;

use fldm_core::matching::{PreparedPerson, Query, query_blocking_keys, score_prepared};

pub struct Recall {
    pub asked: usize,
    pub blocked: usize,
    pub at1: usize,
    pub at5: usize,
    pub candidates: usize,
    pub max_candidates: usize,
}

impl Recall {
    #[allow(dead_code)]
    pub fn pct(&self, x: usize) -> f64 {
        100.0 * x as f64 / self.asked as f64
    }
}

/// Search for every `n / queries`-th person of a synthetic population by
/// the entry a department's case list would hold for them (another
/// spelling, swapped or cut names, a coarser or mistyped birth date),
/// through the blocking index, and count how often the person is a
/// candidate, comes first, or comes in the top 5.
pub fn recall(n: usize, queries: usize, population_seed: u64, variant_seed: u64) -> Recall {
    let pop = fldm_synth::population(n, population_seed);
    let prepared: Vec<PreparedPerson> = pop.iter().map(PreparedPerson::new).collect();
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in prepared.iter().enumerate() {
        for k in p.blocking_keys() {
            index.entry(k).or_default().push(i);
        }
    }
    let mut r = Recall {
        asked: 0,
        blocked: 0,
        at1: 0,
        at5: 0,
        candidates: 0,
        max_candidates: 0,
    };
    for i in (0..n).step_by(n / queries) {
        let local = fldm_synth::local_case_variant(&pop[i], variant_seed);
        let Ok(q) = Query::from_person(&local) else {
            continue;
        };
        r.asked += 1;
        let mut cand: Vec<usize> = query_blocking_keys(&q)
            .iter()
            .filter_map(|k| index.get(k))
            .flatten()
            .copied()
            .collect();
        cand.sort_unstable();
        cand.dedup();
        r.candidates += cand.len();
        r.max_candidates = r.max_candidates.max(cand.len());
        if cand.binary_search(&i).is_err() {
            continue;
        }
        r.blocked += 1;
        let weights: Vec<(usize, f64)> = cand
            .iter()
            .map(|&c| (c, score_prepared(&q, &prepared[c]).weight))
            .collect();
        let own = weights
            .iter()
            .find(|(c, _)| *c == i)
            .map_or(f64::NAN, |s| s.1);
        // A record with exactly the same weight (e.g. a twin with the same
        // data) cannot be told apart: a tie at the top counts as found.
        let better = weights.iter().filter(|s| s.1 > own).count();
        r.at1 += usize::from(better == 0);
        r.at5 += usize::from(better < 5);
    }
    r
}
