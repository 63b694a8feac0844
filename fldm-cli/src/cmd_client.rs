//! `fldm get`, `fldm search`, `fldm changes`: the hub client from the
//! command line, configured by a profile file (written by `fldm init-pki`)
//! and/or flags.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use fldm_client::blocking::HubClient;
use fldm_client::wire::SearchRequest;
use fldm_client::{Context, HubClientBuilder};
use serde::Deserialize;

use crate::CmdResult;

/// A client profile (TOML). Relative paths are relative to the profile file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub base_url: Option<String>,
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub office: Option<String>,
    pub user: Option<String>,
    pub journal_dir: Option<PathBuf>,
    pub journal_signing_key: Option<PathBuf>,
    pub journal_pseudonym_key: Option<PathBuf>,
    pub purpose: Option<String>,
}

impl Profile {
    pub fn load(path: &Path) -> Result<Profile, Box<dyn std::error::Error>> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut p: Profile =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for f in [
            &mut p.ca,
            &mut p.cert,
            &mut p.key,
            &mut p.journal_dir,
            &mut p.journal_signing_key,
            &mut p.journal_pseudonym_key,
        ] {
            if let Some(x) = f.as_mut()
                && x.is_relative()
            {
                *x = base.join(&*x);
            }
        }
        Ok(p)
    }
}

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

impl ConnArgs {
    fn connect(&self) -> Result<(HubClient, Context), Box<dyn std::error::Error>> {
        let p = match &self.profile {
            Some(path) => Profile::load(path)?,
            None => Profile::default(),
        };
        let base = self
            .base_url
            .clone()
            .or(p.base_url)
            .ok_or("no hub URL: use --base-url or --profile")?;
        let mut b = HubClientBuilder::new(base);
        let ca = self
            .ca
            .clone()
            .or(p.ca)
            .ok_or("no CA certificate: use --ca or --profile")?;
        let cert = self
            .cert
            .clone()
            .or(p.cert)
            .ok_or("no client certificate: use --cert or --profile")?;
        let key = self
            .key
            .clone()
            .or(p.key)
            .ok_or("no client key: use --key or --profile")?;
        b = b.ca_pem_file(ca).identity_pem_files(cert, key);
        b = b.user(
            self.user
                .clone()
                .or(p.user)
                .ok_or("no user: use --user or --profile")?,
        );
        let office = self.office.clone().or(p.office);
        if let Some(o) = &office {
            b = b.office(o.clone());
        }
        if self.no_journal {
            b = b.without_journal();
        } else {
            let dir = self.journal_dir.clone().or(p.journal_dir).ok_or(
                "no client journal directory: use --journal-dir, --profile or --no-journal",
            )?;
            if office.is_none() {
                return Err(
                    "the client journal records the requesting office: use --office or --profile"
                        .into(),
                );
            }
            b = b.journal_dir(dir);
            if let Some(k) = p.journal_signing_key {
                b = b.journal_signing_key(k);
            }
            if let Some(k) = p.journal_pseudonym_key {
                b = b.journal_pseudonym_key(k);
            }
        }
        let purpose = self
            .purpose
            .clone()
            .or(p.purpose)
            .ok_or("no purpose: every request states its purpose (--purpose CODE)")?;
        let mut ctx = Context::new(purpose);
        if let Some(c) = &self.case {
            ctx = ctx.case(c.clone());
        }
        Ok((b.build_blocking()?, ctx))
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
