//! `fldm audit ...`: keys, verification, listing, proofs, export, pruning.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use fldm_core::audit::{
    self, AuditRecord, Bundle, Journal, JournalOptions, Operation, Outcome, OutcomeKind,
    PseudonymKey, PublicKey, ReadEntry, SigningKey, Stage, merkle,
};

use crate::CmdResult;

/// File names written by `fldm audit keygen`.
pub const SIGNING_KEY_FILE: &str = "audit-signing.pk8";
pub const PUBLIC_KEY_FILE: &str = "audit-signing.pub";
pub const PSEUDONYM_KEY_FILE: &str = "audit-pseudonym.key";

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Create a journal owner's keys in DIR: audit-signing.pk8 (Ed25519 PKCS#8),
    /// audit-signing.pub (public key) and audit-pseudonym.key (HMAC key).
    Keygen {
        /// Directory to write the keys to (created if missing).
        dir: PathBuf,
    },
    /// Verify a journal (exit 0 intact, 1 tampered, 2 usage or I/O error).
    Verify {
        /// The journal directory.
        dir: PathBuf,
        /// The owner's public key file.
        #[arg(long)]
        public_key: PathBuf,
    },
    /// List the entries of a journal as a table.
    Show {
        /// The journal directory.
        dir: PathBuf,
        /// Only entries at or after this time (YYYY-MM-DD or RFC 3339, UTC).
        #[arg(long)]
        from: Option<String>,
        /// Only entries at or before this time (a date includes the whole day).
        #[arg(long)]
        to: Option<String>,
        /// Only entries of this requesting office.
        #[arg(long)]
        office: Option<String>,
        /// Only entries about this subject (alone, or among the persons of a
        /// search or change-feed page): a subject reference (64 hex), or an
        /// FLDM id together with --pseudonym-key.
        #[arg(long)]
        subject: Option<String>,
        /// The pseudonym key, to look up --subject by FLDM id.
        #[arg(long)]
        pseudonym_key: Option<PathBuf>,
    },
    /// Write an offline verification bundle for one entry.
    Prove {
        /// The journal directory.
        dir: PathBuf,
        /// Index of the entry.
        #[arg(long)]
        index: u64,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The owner's signing key: write a checkpoint first if the latest
        /// one does not cover the entry.
        #[arg(long)]
        signing_key: Option<PathBuf>,
    },
    /// Check an offline verification bundle (exit 0 valid, 1 invalid).
    CheckBundle {
        /// The bundle file.
        file: PathBuf,
        /// The journal owner's public key file.
        #[arg(long)]
        public_key: PathBuf,
    },
    /// Export a journal as JSON lines or XML.
    Export {
        /// The journal directory.
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Prune entries whose retention date is before DATE to their leaf hash.
    Prune {
        /// The journal directory.
        dir: PathBuf,
        /// Today's date (YYYY-MM-DD); entries retained until an earlier day are pruned.
        #[arg(long)]
        now: String,
    },
    /// Dump RFC 9162 roots and proofs of a reference tree as JSON (for the
    /// cross-implementation test).
    #[command(hide = true)]
    MerkleDump {
        /// Largest tree size.
        #[arg(long, default_value_t = 1000)]
        max: u64,
    },
    /// Append synthetic records until killed or the time limit passes,
    /// printing each index after its durable append (crash tests).
    #[command(hide = true)]
    AppendLoop {
        dir: PathBuf,
        #[arg(long)]
        signing_key: Option<PathBuf>,
        #[arg(long, default_value_t = 8)]
        interval: u64,
        #[arg(long, default_value_t = 2)]
        threads: usize,
        #[arg(long)]
        write_chunk: Option<usize>,
        #[arg(long, default_value_t = 20)]
        max_seconds: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Xml,
}

pub fn run(cmd: AuditCommand) -> CmdResult {
    match cmd {
        AuditCommand::Keygen { dir } => keygen(&dir),
        AuditCommand::Verify { dir, public_key } => verify(&dir, &public_key),
        AuditCommand::Show {
            dir,
            from,
            to,
            office,
            subject,
            pseudonym_key,
        } => show(&dir, from, to, office, subject, pseudonym_key),
        AuditCommand::Prove {
            dir,
            index,
            out,
            signing_key,
        } => {
            let bundle = match signing_key {
                Some(k) => {
                    if !dir.join(audit::ENTRIES_FILE).exists() {
                        return Err(format!("{} is not a journal directory", dir.display()).into());
                    }
                    let options = JournalOptions {
                        signing_key: Some(SigningKey::load(&k)?),
                        checkpoint_interval: 0,
                        ..Default::default()
                    };
                    let (journal, _) = Journal::open(&dir, options)?;
                    let bundle = journal.prove_inclusion(index)?;
                    journal.close()?;
                    bundle
                }
                None => audit::prove_dir(&dir, index)?,
            };
            write_out(out.as_deref(), format!("{}\n", bundle.to_json()).as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::CheckBundle { file, public_key } => check_bundle(&file, &public_key),
        AuditCommand::Export { dir, format, out } => {
            let entries = audit::read_entries(&dir)?;
            let mut buf = Vec::new();
            match format {
                ExportFormat::Jsonl => audit::export::write_jsonl(&entries, &mut buf)?,
                ExportFormat::Xml => audit::export::write_xml(&entries, &mut buf)?,
            }
            write_out(out.as_deref(), &buf)?;
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Prune { dir, now } => {
            let today = audit::parse_date(&now).ok_or("--now: expected a date YYYY-MM-DD")?;
            let (r, open) = audit::prune(&dir, today)?;
            for t in &open.torn_tails {
                eprintln!(
                    "note: truncated a torn tail in {} at offset {} ({} bytes)",
                    t.file, t.offset, t.bytes
                );
            }
            println!(
                "pruned {} entries ({} were already pruned, {} kept)",
                r.pruned, r.already_pruned, r.kept
            );
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::MerkleDump { max } => merkle_dump(max),
        AuditCommand::AppendLoop {
            dir,
            signing_key,
            interval,
            threads,
            write_chunk,
            max_seconds,
        } => append_loop(
            &dir,
            signing_key,
            interval,
            threads,
            write_chunk,
            max_seconds,
        ),
    }
}

fn write_out(out: Option<&Path>, bytes: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
    match out {
        Some(p) => std::fs::write(p, bytes).map_err(|e| format!("writing {}: {e}", p.display()))?,
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(bytes)?;
            o.flush()?;
        }
    }
    Ok(())
}

fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<(), Box<dyn std::error::Error>> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = opts
        .open(path)
        .map_err(|e| format!("creating {}: {e}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

fn keygen(dir: &Path) -> CmdResult {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    for name in [SIGNING_KEY_FILE, PUBLIC_KEY_FILE, PSEUDONYM_KEY_FILE] {
        if dir.join(name).exists() {
            return Err(format!(
                "{} exists; refusing to overwrite keys",
                dir.join(name).display()
            )
            .into());
        }
    }
    let pkcs8 = SigningKey::generate_pkcs8()?;
    let key = SigningKey::from_pkcs8(&pkcs8)?;
    let hmac = PseudonymKey::generate_bytes()?;
    write_new(&dir.join(SIGNING_KEY_FILE), &pkcs8, true)?;
    write_new(
        &dir.join(PUBLIC_KEY_FILE),
        format!("{}\n", key.public_key().to_text()).as_bytes(),
        false,
    )?;
    write_new(
        &dir.join(PSEUDONYM_KEY_FILE),
        format!("{}\n", audit::hex(&hmac)).as_bytes(),
        true,
    )?;
    println!(
        "wrote {SIGNING_KEY_FILE}, {PUBLIC_KEY_FILE} (key id {}) and {PSEUDONYM_KEY_FILE} to {}",
        key.key_id(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(dir: &Path, public_key: &Path) -> CmdResult {
    let key = PublicKey::load(public_key)?;
    if !dir.join(audit::ENTRIES_FILE).exists() {
        return Err(format!(
            "{} is not a journal directory (no {})",
            dir.display(),
            audit::ENTRIES_FILE
        )
        .into());
    }
    let rep = audit::verify_dir(dir, &key)?;
    println!(
        "journal {}: {} entries ({} pruned), {} checkpoints ({} verified, covering {} entries), {} entries after the last checkpoint",
        dir.display(),
        rep.entries,
        rep.pruned,
        rep.checkpoints,
        rep.checkpoints_verified,
        rep.verified_size,
        rep.uncovered
    );
    for n in &rep.notes {
        println!("note: {n}");
    }
    if rep.is_intact() {
        println!("intact");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("TAMPERED: {} problem(s)", rep.problems.len());
        for p in &rep.problems {
            println!("  {p}");
        }
        Ok(ExitCode::from(1))
    }
}

fn check_bundle(file: &Path, public_key: &Path) -> CmdResult {
    let key = PublicKey::load(public_key)?;
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let bundle = match Bundle::from_json(&text) {
        Ok(b) => b,
        Err(e) => {
            println!("INVALID: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let cp = &bundle.checkpoint.checkpoint;
    match bundle.verify(&key) {
        Ok(()) => {
            println!(
                "valid: entry {} is included in checkpoint of {:?} (tree size {}, root {}, signed by key {} at {})",
                bundle.entry.index,
                cp.origin,
                cp.size,
                audit::hex(&cp.root),
                cp.key_id,
                audit::format_time_ms(cp.time_ms)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(p) => {
            println!("INVALID: {p}");
            Ok(ExitCode::from(1))
        }
    }
}

fn time_arg(
    name: &str,
    v: Option<String>,
    end_of_day: bool,
) -> Result<Option<i64>, Box<dyn std::error::Error>> {
    let Some(v) = v else { return Ok(None) };
    let t = audit::parse_time_ms(&v)
        .ok_or_else(|| format!("--{name}: expected YYYY-MM-DD or an RFC 3339 time"))?;
    let is_date = audit::parse_date(&v).is_some();
    Ok(Some(if end_of_day && is_date {
        t + 86_400_000 - 1
    } else {
        t
    }))
}

fn show(
    dir: &Path,
    from: Option<String>,
    to: Option<String>,
    office: Option<String>,
    subject: Option<String>,
    pseudonym_key: Option<PathBuf>,
) -> CmdResult {
    let from = time_arg("from", from, false)?;
    let to = time_arg("to", to, true)?;
    let subject = match (subject, pseudonym_key) {
        (Some(s), None) => {
            if s.len() != 64 || audit::unhex(&s).is_none() {
                return Err("--subject: expected a 64-hex subject reference (or an FLDM id with --pseudonym-key)".into());
            }
            Some(s.to_ascii_lowercase())
        }
        (Some(id), Some(k)) => Some(PseudonymKey::load(&k)?.subject_ref(&id)),
        (None, Some(_)) => return Err("--pseudonym-key needs --subject".into()),
        (None, None) => None,
    };
    let entries = audit::read_entries(dir)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:>6}  {:<24}  {:<6}  {:<8}  {:<22}  {:<12}  {:<7}  {:<18}  {:<24}  {:<12}  ATTRIBUTES",
        "INDEX",
        "TIME (UTC)",
        "STAGE",
        "OP",
        "OFFICE",
        "PERSON",
        "PURPOSE",
        "CASE",
        "OUTCOME",
        "SUBJECT"
    )?;
    let mut shown = 0usize;
    let mut pruned = 0usize;
    for e in &entries {
        let ReadEntry::Entry(e) = e else {
            pruned += 1;
            continue;
        };
        let r = &e.record;
        if from.is_some_and(|f| r.time_ms < f)
            || to.is_some_and(|t| r.time_ms > t)
            || office.as_ref().is_some_and(|o| *o != r.requesting_office)
            || subject.as_ref().is_some_and(|s| !r.concerns(s))
        {
            continue;
        }
        let outcome = match &r.outcome.reason {
            Some(reason) => format!("{} ({reason})", r.outcome.kind.as_str()),
            None => r.outcome.kind.as_str().to_string(),
        };
        let subject = match (r.subject_ref.as_deref(), r.subject_refs.len()) {
            (Some(s), _) => format!("{}…", &s[..s.len().min(10)]),
            (None, 0) => "-".to_string(),
            (None, n) => format!("{n} persons"),
        };
        writeln!(
            out,
            "{:>6}  {:<24}  {:<6}  {:<8}  {:<22}  {:<12}  {:<7}  {:<18}  {:<24}  {:<12}  {}",
            e.index,
            audit::format_time_ms(r.time_ms),
            r.stage.as_str(),
            r.operation.as_str(),
            r.requesting_office,
            r.retrieving_person,
            r.purpose,
            r.case_reference.as_deref().unwrap_or("-"),
            outcome,
            subject,
            r.disclosed_attributes.join(",")
        )?;
        shown += 1;
    }
    writeln!(
        out,
        "shown: {shown} of {} entries ({pruned} pruned)",
        entries.len()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn merkle_dump(max: u64) -> CmdResult {
    let mut tree = merkle::MerkleTree::new();
    let mut sizes = Vec::new();
    let h = |x: &merkle::Hash| audit::hex(x);
    for n in 1..=max {
        tree.push(merkle::leaf_hash(format!("leaf-{}", n - 1).as_bytes()));
        let mut idx: Vec<u64> = if n <= 40 {
            (0..n).collect()
        } else {
            vec![
                0,
                1,
                n / 2,
                n - 2,
                n - 1,
                (n * 7 + 3) % n,
                (n * 31 + 11) % n,
            ]
        };
        idx.sort_unstable();
        idx.dedup();
        let mut olds: Vec<u64> = if n <= 40 {
            (1..=n).collect()
        } else {
            vec![
                1,
                2,
                n / 2,
                n - 1,
                n,
                (n * 13 + 5) % n + 1,
                (n * 17 + 1) % n + 1,
            ]
        };
        olds.sort_unstable();
        olds.dedup();
        // One JSON object per argument: {key: argument, "proof": [hex hashes]}.
        let proofs = |key: &str, args: &[u64], proof: &dyn Fn(u64) -> Option<Vec<merkle::Hash>>| {
            args.iter()
                .map(|&x| {
                    let p = proof(x).unwrap_or_default();
                    let mut o = serde_json::Map::new();
                    o.insert(key.to_string(), x.into());
                    o.insert("proof".into(), p.iter().map(h).collect::<Vec<_>>().into());
                    serde_json::Value::Object(o)
                })
                .collect::<Vec<_>>()
        };
        let inclusion = proofs("index", &idx, &|i| tree.inclusion_proof(i, n));
        let consistency = proofs("old_size", &olds, &|m| tree.consistency_proof(m, n));
        sizes.push(serde_json::json!({
            "size": n,
            "root": h(&tree.root()),
            "inclusion": inclusion,
            "consistency": consistency,
        }));
    }
    let doc = serde_json::json!({"leaf_data": "leaf-{i} (UTF-8), i from 0", "sizes": sizes});
    write_out(None, serde_json::to_string(&doc)?.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn synthetic_record(n: u64) -> AuditRecord {
    let t = 1_767_225_600_000 + (n as i64) * 1000;
    AuditRecord {
        event_id: format!("ev-{n}"),
        request_id: format!("rq-{}", n / 2),
        stage: Stage::Hub,
        retrieving_person: format!("u{}", 1000 + n % 7),
        responsible_person: "u0001".into(),
        case_reference: Some(format!("56/2026-{n:05}")),
        legal_basis: Some("§ 14 Abs. 1 AZRG".into()),
        rule_id: Some("housing.identify".into()),
        policy_hash: Some("0".repeat(64)),
        disclosed_attributes: vec!["grundpersonalien.familienname".into()],
        ..synthetic_disclosure(n, t)
    }
}

/// The office of the synthetic records.
const SYNTHETIC_OFFICE: &str = "wgb:05315000-wohnungsamt";

/// What the synthetic records (of `audit append-loop` and of the audit
/// benchmark) share: the `n`-th is a permitted disclosure to the housing
/// office for purpose 70 at `t` (ms since the epoch), retained as BDSG § 76
/// requires, with the digest of `n` as its payload digest.
pub(crate) fn synthetic_disclosure(n: u64, t: i64) -> AuditRecord {
    AuditRecord {
        time_ms: t,
        operation: Operation::Disclose,
        requesting_office: SYNTHETIC_OFFICE.into(),
        recipient: Some(SYNTHETIC_OFFICE.into()),
        purpose: "70".into(),
        payload_digest: Some(audit::payload_digest(&n.to_le_bytes())),
        outcome: Outcome {
            kind: OutcomeKind::Permitted,
            reason: None,
        },
        retention_until: audit::retention::bdsg_76(t)
            .unwrap_or(AuditRecord::default().retention_until),
        ..AuditRecord::default()
    }
}

fn append_loop(
    dir: &Path,
    signing_key: Option<PathBuf>,
    interval: u64,
    threads: usize,
    write_chunk: Option<usize>,
    max_seconds: u64,
) -> CmdResult {
    let signing_key = signing_key.map(|p| SigningKey::load(&p)).transpose()?;
    let (journal, report) = Journal::open(
        dir,
        JournalOptions {
            signing_key,
            checkpoint_interval: interval,
            write_chunk,
            ..Default::default()
        },
    )?;
    eprintln!("opened: {report}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(max_seconds);
    let stdout = std::sync::Mutex::new(std::io::stdout());
    let counter = std::sync::atomic::AtomicU64::new(journal.len());
    let failed = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| -> Result<(), String> {
                    while std::time::Instant::now() < deadline {
                        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let index = journal
                            .append(&synthetic_record(n))
                            .map_err(|e| e.to_string())?;
                        let out = stdout.lock().map_err(|_| "stdout lock".to_string())?;
                        let mut out = out.lock();
                        writeln!(out, "{index}").map_err(|e| e.to_string())?;
                        out.flush().map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().ok().and_then(Result::err))
            .next()
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    journal.close()?;
    Ok(ExitCode::SUCCESS)
}
