//! `fldm bench import`: the owning office's bulk import, next to a raw
//! SQLite insert of the same rows, in the same run.
//!
//! The synthetic population is written once as the foreigners'
//! authority's import file (JSON lines, each record with an Aktenzeichen,
//! see [`OwnerStock`]); then, one phase after the other on a fresh
//! database each:
//!
//! - (c) the baseline: the file's lines inserted as they are into a table
//!   of the shape of the hub's `persons` table (same columns, keys and
//!   indices, WAL, `synchronous = FULL`) with one prepared statement in one
//!   transaction; reading the file and finding each line's keys included;
//! - (b) the hub-level import service
//!   ([`fldm_hub::lifecycle::ImportSession`], what `fldm hub import` runs):
//!   reading, decoding and validating the records, the policy, the upsert
//!   by key, search keys, change feed and hub audit journal, one
//!   transaction per batch;
//! - (a) the same over HTTPS with mTLS on 127.0.0.1: `fldm-client`'s
//!   `import_file` (client journal off) against a reference hub, one
//!   request and one transaction per batch;
//!
//! and (b) and (a) once more with the same file (every record
//! `unchanged`). It prints records/s of each phase and the ratios (a)/(c)
//! and (b)/(c). Writing the file and starting the hub are not measured.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use fldm_client::wire::ImportCounts;
use fldm_client::{Context, DEFAULT_IMPORT_BATCH};
use fldm_core::codec::import::{ImportFormat, ImportReader, is_record_error};
use fldm_core::wire::MAX_IMPORT_BATCH;
use fldm_hub::lifecycle::{Actor, ImportSession};

use crate::CmdResult;
use crate::cmd_demo::{OWNER, OwnerStock, REFERENCE_POLICY, write_import_file};
use crate::cmd_hub;

/// The purpose and case reference of every import.
const PURPOSE: &str = "70";
const CASE: &str = "ABH-2026-BENCH";

/// The goal for imports over HTTPS.
const GOAL_PER_S: f64 = 10_000.0;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Records to import.
    #[arg(long, default_value_t = 250_000)]
    persons: usize,
    /// Records per batch (one request and one transaction each); default
    /// the client's.
    #[arg(long, default_value_t = DEFAULT_IMPORT_BATCH)]
    batch: usize,
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Keep the PKI, configuration, import file, databases and journals in
    /// DIR (default: a temporary directory that is removed at the end).
    #[arg(long)]
    keep: Option<PathBuf>,
}

/// One measured import.
struct Run {
    counts: ImportCounts,
    time: Duration,
}

impl Run {
    fn per_s(&self) -> f64 {
        self.counts.total() as f64 / self.time.as_secs_f64().max(1e-9)
    }
}

pub fn run(a: Args) -> CmdResult {
    if a.persons == 0 {
        return Err("--persons must be at least 1".into());
    }
    if !(1..=MAX_IMPORT_BATCH).contains(&a.batch) {
        return Err(format!("--batch: 1 to {MAX_IMPORT_BATCH}").into());
    }
    let (dir, _cleanup) = cmd_hub::work_dir(a.keep.as_deref(), "fldm-bench-import")?;
    let policy_path = dir.join("policy.toml");
    std::fs::write(&policy_path, REFERENCE_POLICY)?;
    cmd_hub::init_pki(&dir, &policy_path, "127.0.0.1:0", &[])?;
    for f in [
        "hub.sqlite",
        "hub.sqlite-wal",
        "hub.sqlite-shm",
        "direct.sqlite",
        "direct.sqlite-wal",
        "direct.sqlite-shm",
        "baseline.sqlite",
        "baseline.sqlite-wal",
        "baseline.sqlite-shm",
    ] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    for d in ["hub-audit", "direct-audit"] {
        let _ = std::fs::remove_dir_all(dir.join(d));
    }
    println!(
        "import benchmark: {} records of the foreigners' authority ({OWNER}, purpose {PURPOSE}), batches of {}, {} cores",
        a.persons,
        a.batch,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let file = dir.join("stock.jsonl");
    let t = Instant::now();
    let n = write_import_file(
        &file,
        OwnerStock::new(fldm_synth::Population::new(a.seed).take(a.persons)),
    )?;
    let bytes = std::fs::metadata(&file)?.len();
    println!(
        "import file (not measured): {n} records, {:.1} MB of JSON lines, written in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    // (c) The baseline.
    let base = baseline(&dir.join("baseline.sqlite"), &file)?;
    let base_rate = base.1 as f64 / base.0.as_secs_f64().max(1e-9);
    line(
        "(c) baseline, raw SQLite insert of the lines:",
        base.1,
        base.0,
        "",
    );

    // For the breakdown: reading, decoding and validating alone.
    let decode = decode_only(&file)?;
    line(
        "    read + decode + validate only (breakdown):",
        decode.1,
        decode.0,
        "",
    );

    // (b) The hub-level import service on a fresh database.
    let mut config = fldm_hub::config::HubConfig::load(dir.join(cmd_hub::HUB_CONFIG_FILE))?;
    config.listen = "127.0.0.1:0".parse()?;
    let mut direct_cfg = config.clone();
    direct_cfg.database = dir.join("direct.sqlite");
    direct_cfg.audit_dir = dir.join("direct-audit");
    let (direct, direct_again) = {
        let st = fldm_hub::open_offline(&direct_cfg)?;
        let first = direct_import(&st, &file, a.batch)?;
        let again = direct_import(&st, &file, a.batch)?;
        st.journal.checkpoint()?;
        (first, again)
    };
    row("(b) hub import service, direct:", &direct);
    row("    the same file again:", &direct_again);

    // (a) Over HTTPS.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let hub = rt.block_on(fldm_hub::Hub::start(config))?;
    let url = format!("https://{}", hub.local_addr());
    let result = rt.block_on(async {
        let client = cmd_hub::office_client(&dir, OWNER, &url)
            .user(format!("{OWNER}-bench"))
            .import_batch_size(a.batch)
            .without_journal()
            .build()?;
        let ctx = Context::new(PURPOSE).case(CASE);
        let mut runs = Vec::with_capacity(2);
        for _ in 0..2 {
            let t = Instant::now();
            let r = client
                .import_file(&file, Some(ImportFormat::JsonLines), &ctx, |_| {})
                .await?;
            runs.push(Run {
                counts: r.counts,
                time: t.elapsed(),
            });
        }
        Ok::<_, Box<dyn std::error::Error>>(runs)
    });
    rt.block_on(hub.shutdown());
    let mut https = result?.into_iter();
    let (Some(https), Some(https_again)) = (https.next(), https.next()) else {
        return Err("the HTTPS runs did not finish".into());
    };
    row("(a) over HTTPS, fldm-client import_file:", &https);
    row("    the same file again:", &https_again);

    println!(
        "  ratios of records/s: (a)/(c) {:.3}, (b)/(c) {:.3}; re-import (a) {:.3}, (b) {:.3}",
        https.per_s() / base_rate.max(1e-9),
        direct.per_s() / base_rate.max(1e-9),
        https_again.per_s() / base_rate.max(1e-9),
        direct_again.per_s() / base_rate.max(1e-9),
    );
    println!(
        "  over HTTPS {:.0} records/s: goal of {GOAL_PER_S:.0} records/s {}",
        https.per_s(),
        if https.per_s() >= GOAL_PER_S {
            "met"
        } else {
            "not met"
        }
    );

    let total = a.persons as u64;
    let ok = [&direct, &https]
        .iter()
        .all(|r| r.counts.created == total && r.counts.total() == total)
        && [&direct_again, &https_again]
            .iter()
            .all(|r| r.counts.unchanged == total && r.counts.total() == total)
        && base.1 == total;
    if !ok {
        println!("  UNEXPECTED COUNTS: every record should be created, then unchanged");
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn row(label: &str, r: &Run) {
    line(label, r.counts.total(), r.time, &format!(" ({})", r.counts));
}

fn line(label: &str, n: u64, time: Duration, note: &str) {
    println!(
        "  {label:<46} {n:>8} records in {:>7.2} s: {:>9.0} records/s{note}",
        time.as_secs_f64(),
        n as f64 / time.as_secs_f64().max(1e-9)
    );
}

/// The keys of an import line, found without decoding the record.
#[derive(serde::Deserialize)]
struct Keys<'a> {
    #[serde(borrow)]
    azr_nummer: Option<&'a str>,
    #[serde(borrow)]
    aktenzeichen: Option<&'a str>,
}

/// Insert every line of `file` as it is into a table of the shape of the
/// hub's `persons` table, one prepared statement, one transaction. The time
/// and the number of rows.
fn baseline(db: &Path, file: &Path) -> Result<(Duration, u64), Box<dyn std::error::Error>> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.execute_batch(
        "CREATE TABLE persons (
             fldm_id      TEXT PRIMARY KEY NOT NULL,
             azr_nummer   TEXT UNIQUE,
             record       TEXT NOT NULL,
             version      INTEGER NOT NULL CHECK (version >= 1),
             owner_office TEXT NOT NULL,
             created_at   INTEGER NOT NULL,
             updated_at   INTEGER NOT NULL,
             aktenzeichen TEXT
         ) STRICT;
         CREATE UNIQUE INDEX persons_by_aktenzeichen ON persons (owner_office, aktenzeichen)
             WHERE aktenzeichen IS NOT NULL;
         CREATE INDEX persons_by_owner ON persons (owner_office, fldm_id, azr_nummer, aktenzeichen);",
    )?;
    let start = Instant::now();
    let reader = std::io::BufReader::new(std::fs::File::open(file)?);
    let tx = conn.transaction()?;
    let mut n = 0u64;
    {
        let mut insert = tx.prepare(
            "INSERT INTO persons (fldm_id, azr_nummer, record, version, owner_office,
                                  created_at, updated_at, aktenzeichen)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5, ?6)",
        )?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        for line in reader.lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let keys: Keys<'_> = serde_json::from_str(&line)?;
            n += 1;
            insert.execute(rusqlite::params![
                format!("P{n:012}"),
                keys.azr_nummer,
                line,
                OWNER,
                now,
                keys.aktenzeichen
            ])?;
        }
    }
    tx.commit()?;
    Ok((start.elapsed(), n))
}

/// Read, decode and validate every record of `file`, storing nothing.
fn decode_only(file: &Path) -> Result<(Duration, u64), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let reader = ImportReader::new(
        std::io::BufReader::new(std::fs::File::open(file)?),
        ImportFormat::JsonLines,
    );
    let mut n = 0u64;
    for item in reader {
        let p = item?;
        p.validate()?;
        n += 1;
    }
    Ok((start.elapsed(), n))
}

/// Import `file` with the hub-level import service, in batches of `batch`
/// records (what `fldm hub import` does, with the batch size given).
fn direct_import(
    st: &fldm_hub::AppState,
    file: &Path,
    batch: usize,
) -> Result<Run, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let actor = Actor {
        office: OWNER.to_string(),
        user: format!("{OWNER}-bench"),
        purpose: PURPOSE.to_string(),
        case_reference: Some(CASE.to_string()),
    };
    let mut session = ImportSession::begin(st, actor, false)?;
    let reader = ImportReader::new(
        std::io::BufReader::new(std::fs::File::open(file)?),
        ImportFormat::JsonLines,
    );
    let mut records = Vec::with_capacity(batch);
    for item in reader {
        if let Err(e) = &item
            && !is_record_error(e)
        {
            return Err(format!("{}: {e}", file.display()).into());
        }
        records.push(item);
        if records.len() == batch {
            session.import(&records)?;
            records.clear();
        }
    }
    if !records.is_empty() {
        session.import(&records)?;
    }
    Ok(Run {
        counts: session.counts(),
        time: start.elapsed(),
    })
}
