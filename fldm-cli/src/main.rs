//! `fldm`: the command-line tool of the FLDM SDK.
//!
//! Exit codes: 0 success; 1 the input was read but is invalid, denied or
//! tampered (the message says where); 2 usage or I/O error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod cmd_audit;
mod cmd_data;
mod cmd_policy;

/// Result of a command: the exit code to use, or an error (exit 2).
pub type CmdResult = Result<ExitCode, Box<dyn std::error::Error>>;

#[derive(Debug, Parser)]
#[command(
    name = "fldm",
    version,
    about = "FLDM SDK tool: synthetic data, codecs, policies, audit journals"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a deterministic synthetic population.
    Synth(cmd_data::SynthArgs),
    /// Convert records between JSON lines and XML.
    Convert(cmd_data::ConvertArgs),
    /// Validate a file of records (exit 1 with record index and field path on the first error).
    Validate(cmd_data::ValidateArgs),
    /// Check, explain and apply legal-basis policies.
    #[command(subcommand)]
    Policy(cmd_policy::PolicyCommand),
    /// Audit journals: keys, verification, proofs.
    #[command(subcommand)]
    Audit(cmd_audit::AuditCommand),
    /// Benchmarks that print a ratio against a baseline measured in the same run.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Synth(a) => cmd_data::synth(a),
        Command::Convert(a) => cmd_data::convert(a),
        Command::Validate(a) => cmd_data::validate(a),
        Command::Policy(c) => cmd_policy::run(c),
        Command::Audit(c) => cmd_audit::run(c),
        Command::Bench(c) => bench::run(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
