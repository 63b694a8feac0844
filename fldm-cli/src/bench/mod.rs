//! `fldm bench ...`: every benchmark prints its result next to a baseline
//! measured in the same run, as a ratio. Absolute times on shared machines
//! mean little; the ratio is the figure to compare.

use std::time::{Duration, Instant};

use clap::Subcommand;

use crate::CmdResult;

mod audit;
mod codec;
mod filter;
mod hub;
mod import;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// JSON and XML encode/decode throughput vs serde_json on a plain struct.
    Codec(codec::Args),
    /// Policy decide + apply throughput vs a plain clone of the same records.
    Filter(filter::Args),
    /// Audit journal append and verify throughput vs raw SHA-256.
    Audit(audit::Args),
    /// Hub GET latency/throughput and change-feed sync vs raw transfer.
    Hub(hub::Args),
    /// Bulk import over HTTPS and at hub level vs a raw SQLite insert of the same rows.
    Import(import::Args),
}

pub fn run(cmd: BenchCommand) -> CmdResult {
    match cmd {
        BenchCommand::Codec(a) => codec::run(a),
        BenchCommand::Filter(a) => filter::run(a),
        BenchCommand::Audit(a) => audit::run(a),
        BenchCommand::Hub(a) => hub::run(a),
        BenchCommand::Import(a) => import::run(a),
    }
}

/// The shortest of `runs` timed calls of `f` (at least one), and what the
/// last call returned (so the work cannot be optimised away).
fn best<F: FnMut() -> usize>(runs: u32, mut f: F) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut out = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed());
    }
    (best, out)
}
