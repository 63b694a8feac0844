//! `fldm get`, `fldm search`, `fldm changes`, `fldm sync-addresses`,
//! `fldm import`, `fldm delete`, `fldm merge`: the hub client from the
//! command line, configured by a profile file (written by `fldm init-pki`)
//! and/or flags.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use fldm_client::blocking::HubClient;
use fldm_client::bridge::{Profile, context};
use fldm_client::wire::SearchRequest;
use fldm_client::{Context, HubClientBuilder};
use serde::Deserialize;

use crate::CmdResult;

/// Connection options shared by the client commands.
#[derive(Debug, Args)]
pub struct ConnArgs {
    /// Profile file (see `fldm init-pki`); flags override its values.
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Hub base URL, e.g. https://127.0.0.1:8443.
    #[arg(long)]
    base_url: Option<String>,
    /// CA certificate (PEM).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Client certificate (PEM).
    #[arg(long)]
    cert: Option<PathBuf>,
    /// Client key (PEM).
    #[arg(long)]
    key: Option<PathBuf>,
    /// Retrieving person (user id).
    #[arg(long)]
    user: Option<String>,
    /// Purpose code (Abrufzweck).
    #[arg(long)]
    purpose: Option<String>,
    /// Case reference (Geschäftszeichen).
    #[arg(long)]
    case: Option<String>,
    /// The requesting office, recorded in the client journal (the hub takes
    /// the office from the certificate).
    #[arg(long)]
    office: Option<String>,
    /// Client journal directory.
    #[arg(long)]
    journal_dir: Option<PathBuf>,
    /// Run without a client journal (the hub still logs).
    #[arg(long)]
    no_journal: bool,
    /// Answer as XML instead of JSON (records only).
    #[arg(long)]
    xml: bool,
}

/// A flag given on the command line replaces the profile's value.
fn overlay<T: Clone>(value: &mut Option<T>, flag: &Option<T>) {
    if flag.is_some() {
        value.clone_from(flag);
    }
}

impl ConnArgs {
    /// The profile (if any) with the flags laid over it, connected.
    fn connect(&self) -> Result<(HubClient, Context), Box<dyn std::error::Error>> {
        self.connect_with(|b| b)
    }

    /// Like [`ConnArgs::connect`], with `adjust` applied to the builder.
    fn connect_with(
        &self,
        adjust: impl FnOnce(HubClientBuilder) -> HubClientBuilder,
    ) -> Result<(HubClient, Context), Box<dyn std::error::Error>> {
        let Profile {
            options: mut o,
            purpose,
        } = match &self.profile {
            Some(path) => Profile::load(path)?,
            None => Profile::default(),
        };
        overlay(&mut o.base_url, &self.base_url);
        overlay(&mut o.ca, &self.ca);
        overlay(&mut o.cert, &self.cert);
        overlay(&mut o.key, &self.key);
        overlay(&mut o.user, &self.user);
        overlay(&mut o.office, &self.office);
        overlay(&mut o.journal_dir, &self.journal_dir);
        if self.no_journal {
            o.set_no_journal();
        }
        let purpose = self
            .purpose
            .clone()
            .or(purpose)
            .ok_or("no purpose: every request states its purpose (--purpose CODE)")?;
        let client = adjust(o.builder()?).build_blocking()?;
        Ok((client, context(&purpose, self.case.as_deref())))
    }
}

#[derive(Debug, Args)]
pub struct GetArgs {
    #[command(flatten)]
    conn: ConnArgs,
    /// FLDM id (or an AZR-Nummer with --azr).
    id: String,
    /// Treat ID as an AZR-Nummer.
    #[arg(long)]
    azr: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    conn: ConnArgs,
    /// Family name.
    #[arg(long)]
    familienname: Option<String>,
    /// Given names.
    #[arg(long)]
    vornamen: Option<String>,
    /// Birth date: YYYY, YYYY-MM or YYYY-MM-DD.
    #[arg(long)]
    geburtsdatum: Option<String>,
    /// Gender code (m, w, x, d).
    #[arg(long)]
    geschlecht: Option<String>,
    /// Nationality code (DESTATIS).
    #[arg(long)]
    staatsangehoerigkeit: Option<String>,
    /// Most candidates.
    #[arg(long)]
    limit: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ChangesArgs {
    #[command(flatten)]
    conn: ConnArgs,
    /// Start after this cursor.
    #[arg(long, default_value_t = 0)]
    cursor: u64,
    /// Stop after this many entries.
    #[arg(long)]
    max: Option<usize>,
}

/// Whether the hub answered and refused the request as a whole (as opposed
/// to a local, configuration or transport failure).
fn refused_by_hub(e: &fldm_client::Error) -> bool {
    use fldm_client::Error as E;
    matches!(
        e,
        E::Denied { .. }
            | E::MissingContext { .. }
            | E::NotFound { .. }
            | E::InvalidInput { .. }
            | E::Conflict { .. }
    )
}

fn client_error(e: fldm_client::Error) -> CmdResult {
    eprintln!("error ({}): {e}", e.code());
    Ok(ExitCode::from(1))
}

pub fn get(a: GetArgs) -> CmdResult {
    let (client, ctx) = a.conn.connect()?;
    let r = if a.azr {
        client.get_person_by_azr(&a.id, &ctx)
    } else {
        client.get_person(&a.id, &ctx)
    };
    match r {
        Ok(d) => {
            if a.conn.xml {
                print!("{}", fldm_core::codec::xml::person_to_xml(&d.record));
            } else {
                println!("{}", serde_json::to_string_pretty(&d)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => client_error(e),
    }
}

pub fn search(a: SearchArgs) -> CmdResult {
    let (client, ctx) = a.conn.connect()?;
    let q = SearchRequest {
        familienname: a.familienname,
        vornamen: a.vornamen,
        geburtsdatum: a.geburtsdatum,
        geschlecht: a.geschlecht,
        staatsangehoerigkeit: a.staatsangehoerigkeit,
        limit: a.limit,
    };
    match client.search(&q, &ctx) {
        Ok(r) => {
            println!("{}", serde_json::to_string_pretty(&r)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => client_error(e),
    }
}

pub fn changes(a: ChangesArgs) -> CmdResult {
    let (client, ctx) = a.conn.connect()?;
    let mut n = 0usize;
    let mut feed = client.changes(a.cursor, ctx);
    for entry in feed.by_ref() {
        match entry {
            Ok(e) => {
                println!("{}", serde_json::to_string(&e)?);
                n += 1;
                if a.max.is_some_and(|m| n >= m) {
                    break;
                }
            }
            Err(e) => return client_error(e),
        }
    }
    eprintln!("{n} changes; next cursor {}", feed.cursor());
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct SyncAddressesArgs {
    #[command(flatten)]
    conn: ConnArgs,
    /// Batch id: idempotency keys are `<batch>-<line>`, so running the same
    /// batch again (after a crash) applies every update exactly once.
    #[arg(long)]
    batch: String,
    /// Concurrent requests.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// JSON lines: `{"fldm_id": "...", "anschrift": {...}}` per line.
    file: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddressLine {
    fldm_id: String,
    anschrift: fldm_core::record::Anschrift,
}

/// Write back many addresses with a progress bar.
pub fn sync_addresses(a: SyncAddressesArgs) -> CmdResult {
    let text =
        std::fs::read_to_string(&a.file).map_err(|e| format!("{}: {e}", a.file.display()))?;
    let mut updates = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str::<AddressLine>(line) {
            Ok(l) => updates.push((l.fldm_id, l.anschrift)),
            Err(e) => {
                // serde's message names the field, not the value.
                eprintln!("invalid: line {}: {e}", i + 1);
                return Ok(ExitCode::from(1));
            }
        }
    }
    let (client, ctx) = a.conn.connect()?;
    let bar = indicatif::ProgressBar::new(updates.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} addresses ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = client.sync_addresses(&a.batch, &updates, &ctx, a.concurrency, |done, _| {
        bar.set_position(done as u64);
    });
    bar.finish();
    println!(
        "{} of {} addresses written back",
        report.applied,
        updates.len()
    );
    for (i, e) in report.failed.iter().take(20) {
        eprintln!("failed: line {}: {} ({})", i + 1, e, e.code());
    }
    Ok(if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    conn: ConnArgs,
    /// Input format: `json` (JSON lines) or `xml` (an `<fldm:personen>`
    /// list). Default: from the file name (`.xml` is XML).
    #[arg(long, value_parser = ["json", "xml"])]
    format: Option<String>,
    /// Records to send per request (default 5000, at most 10000).
    #[arg(long)]
    batch_size: Option<usize>,
    /// The file to import.
    file: PathBuf,
}

/// The progress bar of a command: on stderr, and only when stderr is a
/// terminal (scripts and logs get no control characters).
fn progress_bar(template: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Bulk import (owning office). The last line on stdout is the counts;
/// each refusal is a line `record INDEX: FIELD: REASON` on stderr. Exit 0
/// if nothing was refused; 1 if something was, or the hub refused the
/// request as a whole (e.g. the policy denies the import: every record is
/// refused); 2 on usage or I/O errors (unreadable input, hub unreachable).
pub fn import(a: ImportArgs) -> CmdResult {
    use fldm_core::codec::import::ImportFormat;
    let format = a.format.as_deref().and_then(ImportFormat::parse);
    if !a.file.is_file() {
        return Err(format!("{}: no such file", a.file.display()).into());
    }
    let (client, ctx) = a.conn.connect_with(|b| match a.batch_size {
        Some(n) => b.import_batch_size(n),
        None => b,
    })?;
    let bar = progress_bar("{spinner} {msg} ({elapsed})");
    let last_counts = std::cell::Cell::new(None);
    let result = client.import_file(&a.file, format, &ctx, |counts| {
        bar.set_message(counts.to_string());
        last_counts.set(Some(*counts));
    });
    bar.finish_and_clear();
    if let Err(e) = &result
        && refused_by_hub(e)
    {
        eprintln!("error ({}): {e}", e.code());
        return Ok(ExitCode::from(1));
    }
    let report = result.map_err(|e| match &e {
        // The input broke off: say what is in the hub now.
        fldm_client::Error::Local(inner) if inner.record_index().is_some() => {
            match last_counts.get() {
                Some(c) => format!(
                    "{e}; the batches sent before it were imported ({c}), \
                     the records read since then were not sent"
                ),
                None => format!("{e}; nothing was imported"),
            }
        }
        _ => e.to_string(),
    })?;
    for r in &report.refused {
        eprintln!(
            "record {}: {}: {}",
            r.index,
            r.field.as_deref().unwrap_or("-"),
            r.reason.map_or("invalid", |r| r.as_str())
        );
    }
    println!("{}", report.counts);
    Ok(if report.counts.refused == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    conn: ConnArgs,
    /// Deletion reason: frist, wegzug, einbuergerung, tod, ausreise,
    /// doppelerfassung, berichtigung, abgang or sonstiges.
    #[arg(long)]
    reason: String,
    /// FLDM id of the record to delete.
    fldm_id: String,
}

/// Delete a record (owning office) with a reason code.
pub fn delete(a: DeleteArgs) -> CmdResult {
    use fldm_core::lifecycle::DeletionReason;
    let Some(reason) = DeletionReason::parse(&a.reason) else {
        let codes: Vec<&str> = DeletionReason::ALL.iter().map(|r| r.as_str()).collect();
        return Err(format!("unknown deletion reason; use one of: {}", codes.join(", ")).into());
    };
    let (client, ctx) = a.conn.connect()?;
    match client.delete_person(&a.fldm_id, reason, &ctx) {
        Ok(d) => {
            println!("deleted {} (reason {})", d.fldm_id, d.deleted.reason);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => client_error(e),
    }
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    #[command(flatten)]
    conn: ConnArgs,
    /// FLDM id of the record that stays.
    survivor: String,
    /// FLDM id of the duplicate, deleted with reason `doppelerfassung`.
    duplicate: String,
}

/// Merge a duplicate into the surviving record (owning office).
pub fn merge(a: MergeArgs) -> CmdResult {
    let (client, ctx) = a.conn.connect()?;
    match client.merge_persons(&a.survivor, &a.duplicate, &ctx) {
        Ok(m) => {
            println!(
                "merged {} into {} (version {}, reason {})",
                m.duplicate, m.fldm_id, m.version, m.deleted.reason
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => client_error(e),
    }
}
