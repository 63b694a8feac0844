//! `fldm bench filter`: policy decide + apply over synthetic records, next
//! to a plain clone of the same records measured in the same run.
//!
//! Each record is handled as the hub handles one request: decide (office x
//! purpose x operation, case reference, validity) and apply the permit
//! (projection and transformations). The baseline clones the whole record,
//! the least a hub that returned records unfiltered would do. The ratio is
//! filter throughput / clone throughput (higher is better; 1.0 = as fast
//! as cloning).

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Duration;

use fldm_core::date::Datum;
use fldm_core::policy::{Operation, Policy, Request};
use fldm_core::record::Person;

use super::best;
use crate::CmdResult;

/// The reference policy, built in so that the benchmark needs no files.
const REFERENCE_POLICY: &str = include_str!("../../../policies/reference.toml");

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of synthetic records.
    #[arg(long, default_value_t = 1_000_000)]
    count: usize,
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Repetitions; the best run of each measurement is reported.
    #[arg(long, default_value_t = 3)]
    runs: u32,
    /// Policy file (default: the built-in reference policy).
    #[arg(long)]
    policy: Option<std::path::PathBuf>,
    /// Requesting office.
    #[arg(long, default_value = "wohnungsamt")]
    office: String,
    /// Purpose code.
    #[arg(long, default_value = "W01")]
    purpose: String,
    /// Operation.
    #[arg(long, default_value = "read")]
    operation: String,
}

pub fn run(a: Args) -> CmdResult {
    let policy = match &a.policy {
        Some(path) => Policy::load(path)?,
        None => Policy::from_str(REFERENCE_POLICY, "policies/reference.toml")?,
    };
    let operation = Operation::parse(&a.operation).ok_or("unknown operation")?;
    let date =
        Datum::parse(fldm_synth::REFERENCE_DATE).map_err(|e| format!("reference date: {e}"))?;
    let request = Request {
        office: &a.office,
        operation,
        purpose: Some(&a.purpose),
        case_reference: Some("BENCH-2026-0001"),
        date,
    };
    if let Some(d) = policy.decide(&request).denial() {
        return Err(format!("the benchmark request is {d}").into());
    }

    eprintln!(
        "generating {} synthetic records (seed {}) ...",
        a.count, a.seed
    );
    let persons: Vec<Person> = fldm_synth::Population::new(a.seed).take(a.count).collect();
    let n = persons.len();

    // Baseline: a plain clone of every record.
    let (clone_t, _) = best(a.runs, || {
        let out: Vec<Person> = persons.iter().map(|p| black_box(p).clone()).collect();
        black_box(&out);
        out.len()
    });
    // Decide + apply for every record.
    let mut attributes = 0usize;
    let (filter_t, permitted) = best(a.runs, || {
        let mut out: Vec<Person> = Vec::with_capacity(n);
        for p in &persons {
            if let Some(permit) = policy.decide(black_box(&request)).permit() {
                out.push(permit.apply(black_box(p)));
            }
        }
        attributes = out
            .iter()
            .map(|d| fldm_core::attribute::present(d).len())
            .sum();
        black_box(&out);
        out.len()
    });
    if permitted != n {
        return Err("decisions changed during the benchmark".into());
    }

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "fldm bench filter: {n} records, office {} purpose {} operation {} (best of {})",
        a.office, a.purpose, a.operation, a.runs
    );
    println!("policy {} hash {}", policy.id(), policy.hash());
    println!("{:<36} {:>14} {:>12}", "measurement", "records/s", "ms");
    println!(
        "{:<36} {:>14.0} {:>12.1}",
        "baseline: clone record",
        rate(clone_t),
        clone_t.as_secs_f64() * 1e3
    );
    println!(
        "{:<36} {:>14.0} {:>12.1}",
        "decide + apply",
        rate(filter_t),
        filter_t.as_secs_f64() * 1e3
    );
    println!(
        "ratio decide+apply / clone (records/s): {:.2}   (disclosed attributes per record: {:.2})",
        rate(filter_t) / rate(clone_t),
        attributes as f64 / n.max(1) as f64
    );
    Ok(ExitCode::SUCCESS)
}
