//! `fldm`: the command-line tool of the FLDM SDK.
//!
//! The commands that generate synthetic data (`synth`, `demo`, `hub seed`,
//! `bench`) need the default feature `synth`; without it the tool serves a
//! hub and runs the client, policy, audit and codec commands, and does not
//! link the generator.
//!
//! Exit codes: 0 success; 1 the input was read but is invalid, denied or
//! tampered (the message says where); 2 usage or I/O error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[cfg(feature = "synth")]
mod bench;
mod cmd_audit;
mod cmd_client;
mod cmd_data;
#[cfg(feature = "synth")]
mod cmd_demo;
mod cmd_hub;
mod cmd_policy;

/// Result of a command: the exit code to use, or an error (exit 2).
pub type CmdResult = Result<ExitCode, Box<dyn std::error::Error>>;

#[derive(Debug, Parser)]
#[command(
    name = "fldm",
    version,
    about = "FLDM SDK tool: the reference hub and its client, policies, audit journals, synthetic data, codecs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[cfg(feature = "synth")]
    /// Run the end-to-end demo: a hub on 127.0.0.1 and the housing-office story.
    Demo(cmd_demo::DemoArgs),
    #[cfg(feature = "synth")]
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
    /// Create a development PKI, hub keys, hub.toml and client profiles for a policy's offices.
    InitPki(cmd_hub::InitPkiArgs),
    /// Run the reference hub or load synthetic data into it.
    #[command(subcommand)]
    Hub(cmd_hub::HubCommand),
    /// Get a person from the hub (filtered by the policy for your office and purpose).
    Get(cmd_client::GetArgs),
    /// Search the hub by Grundpersonalien; candidates with scores.
    Search(cmd_client::SearchArgs),
    /// Read the hub's change feed as JSON lines.
    Changes(cmd_client::ChangesArgs),
    /// Write back many addresses (housing office) with a progress bar; safe to re-run.
    SyncAddresses(cmd_client::SyncAddressesArgs),
    /// Bulk-import records (owning office) from JSON lines or an XML list; safe to re-run.
    Import(cmd_client::ImportArgs),
    /// Delete a record (owning office) with a reason code.
    Delete(cmd_client::DeleteArgs),
    /// Merge a duplicate record into the surviving one (owning office).
    Merge(cmd_client::MergeArgs),
    #[cfg(feature = "synth")]
    /// Benchmarks that print a ratio against a baseline measured in the same run.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        #[cfg(feature = "synth")]
        Command::Demo(a) => cmd_demo::run(a),
        #[cfg(feature = "synth")]
        Command::Synth(a) => cmd_data::synth(a),
        Command::Convert(a) => cmd_data::convert(a),
        Command::Validate(a) => cmd_data::validate(a),
        Command::Policy(c) => cmd_policy::run(c),
        Command::Audit(c) => cmd_audit::run(c),
        Command::InitPki(a) => cmd_hub::init_pki_cmd(a),
        Command::Hub(c) => cmd_hub::run(c),
        Command::Get(a) => cmd_client::get(a),
        Command::Search(a) => cmd_client::search(a),
        Command::Changes(a) => cmd_client::changes(a),
        Command::SyncAddresses(a) => cmd_client::sync_addresses(a),
        Command::Import(a) => cmd_client::import(a),
        Command::Delete(a) => cmd_client::delete(a),
        Command::Merge(a) => cmd_client::merge(a),
        #[cfg(feature = "synth")]
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
