//! `fldm bench audit`: journal append and verification throughput, next to
//! raw SHA-256 (ring) over the same bytes in the same run.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fldm_core::audit::{
    self, AuditRecord, Journal, JournalOptions, PseudonymKey, SigningKey, Stage,
};

use crate::CmdResult;
use crate::cmd_audit::synthetic_disclosure;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Entries for the in-memory append and the verification runs.
    #[arg(long, default_value_t = 100_000)]
    entries: u64,
    /// Entries for the durable (fsync) append runs.
    #[arg(long, default_value_t = 4_000)]
    durable_entries: u64,
    /// Appending threads in the group-commit run.
    #[arg(long, default_value_t = 4)]
    threads: usize,
    /// Repetitions of the verification run (the best is reported).
    #[arg(long, default_value_t = 3)]
    repeat: u32,
}

fn record(key: &PseudonymKey, n: u64) -> AuditRecord {
    let t = 1_767_225_600_000 + i64::try_from(n).unwrap_or(0) * 250;
    AuditRecord {
        event_id: format!("6f1c2a7e-{n:012}"),
        request_id: format!("req-{:012}", n / 2),
        stage: if n.is_multiple_of(2) {
            Stage::Client
        } else {
            Stage::Hub
        },
        retrieving_person: format!("u{:05}", n % 70),
        responsible_person: "u00001".into(),
        case_reference: Some(format!("56/2026-{:06}", n % 10_000)),
        legal_basis: Some("§ 14 Abs. 1 Nr. 1, 6 AZRG i. V. m. § 3 Abs. 1 Nr. 4 AZRG".into()),
        rule_id: Some("wohnungsamt.identifizierung".into()),
        policy_hash: Some(audit::payload_digest(b"policy")),
        query_criteria: vec![
            key.criterion("grundpersonalien.familienname", &format!("n{n}")),
            key.criterion("grundpersonalien.geburtsdatum", &format!("d{n}")),
        ],
        disclosed_attributes: [
            "grundpersonalien.familienname",
            "grundpersonalien.geburtsname",
            "grundpersonalien.vornamen",
            "grundpersonalien.geburtsdatum",
            "grundpersonalien.geschlecht",
            "grundpersonalien.staatsangehoerigkeiten",
            "anschrift.aktuell",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        subject_ref: Some(key.subject_ref(&format!("FLDM-{n}"))),
        ..synthetic_disclosure(n, t)
    }
}

fn mbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64().max(1e-9) / 1e6
}

fn sha256_time(data: &[u8], repeat: u32) -> Duration {
    (0..repeat.max(1))
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(audit::merkle::sha256(std::hint::black_box(data)));
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn durable_run(
    dir: &std::path::Path,
    records: &[AuditRecord],
    threads: usize,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let _ = std::fs::remove_dir_all(dir);
    let (j, _) = Journal::open(
        dir,
        JournalOptions {
            checkpoint_interval: 0,
            ..Default::default()
        },
    )?;
    let j = Arc::new(j);
    let per = records.len().div_ceil(threads.max(1));
    let t = Instant::now();
    let res: Result<(), String> = std::thread::scope(|s| {
        let hs: Vec<_> = records
            .chunks(per.max(1))
            .map(|chunk| {
                let j = Arc::clone(&j);
                s.spawn(move || -> Result<(), String> {
                    for r in chunk {
                        j.append(r).map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })
            })
            .collect();
        hs.into_iter().try_for_each(|h| {
            h.join()
                .map_err(|_| "thread panicked".to_string())
                .and_then(|r| r)
        })
    });
    res?;
    let d = t.elapsed();
    drop(j);
    let _ = std::fs::remove_dir_all(dir);
    Ok(d)
}

pub fn run(args: Args) -> CmdResult {
    let key = PseudonymKey::from_bytes(&[42u8; 32])?;
    let signing = SigningKey::from_pkcs8(&SigningKey::generate_pkcs8()?)?;
    let public = signing.public_key();
    let n = args.entries.max(1);
    let records: Vec<AuditRecord> = (0..n).map(|i| record(&key, i)).collect();

    // 1. In-memory append (encoding, hashing, tree, checkpoints every 1000).
    let dir = std::env::temp_dir().join(format!("fldm-bench-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mem = Journal::in_memory(JournalOptions {
        signing_key: Some(SigningKey::from_pkcs8(&SigningKey::generate_pkcs8()?)?),
        checkpoint_interval: 1000,
        ..Default::default()
    })?;
    let t = Instant::now();
    for r in &records {
        mem.append(r)?;
    }
    let mem_time = t.elapsed();
    drop(mem);

    // Write the same journal to files (no fsync) for the verification runs.
    let vdir = dir.join("verify");
    {
        let (j, _) = Journal::open(
            &vdir,
            JournalOptions {
                signing_key: Some(signing),
                checkpoint_interval: 1000,
                sync: false,
                ..Default::default()
            },
        )?;
        for r in &records {
            j.append(r)?;
        }
        j.close()?;
    }
    let entries = std::fs::read(vdir.join(audit::ENTRIES_FILE))?;
    let checkpoints = std::fs::read(vdir.join(audit::CHECKPOINTS_FILE))?;
    let bytes = entries.len() as u64;

    let sha_append = sha256_time(&entries, args.repeat);
    println!(
        "audit journal benchmark: {n} entries, {:.1} MB, {:.0} bytes per entry",
        bytes as f64 / 1e6,
        bytes as f64 / n as f64
    );
    println!(
        "append, in memory:       {:>9.0} entries/s  {:>7.1} MB/s   ratio to raw SHA-256 over the same bytes ({:.1} MB/s): {:.2}",
        n as f64 / mem_time.as_secs_f64(),
        mbps(bytes, mem_time),
        mbps(bytes, sha_append),
        sha_append.as_secs_f64() / mem_time.as_secs_f64()
    );

    // 2. Durable appends: one thread (one fsync per entry) vs group commit.
    let dn = usize::try_from(args.durable_entries.clamp(1, n)).unwrap_or(1);
    let single = durable_run(&dir.join("d1"), &records[..dn], 1)?;
    let group = durable_run(&dir.join("dn"), &records[..dn], args.threads)?;
    println!(
        "append, durable 1 thread: {:>8.0} entries/s",
        dn as f64 / single.as_secs_f64()
    );
    println!(
        "append, durable {} threads (group commit): {:>8.0} entries/s   ratio to 1 thread: {:.2}",
        args.threads,
        dn as f64 / group.as_secs_f64(),
        single.as_secs_f64() / group.as_secs_f64()
    );

    // 3. Verification vs raw SHA-256 over the same bytes, interleaved so
    // that both see the same load; the best of each is reported.
    let mut best = Duration::MAX;
    let mut sha = Duration::MAX;
    for _ in 0..args.repeat.max(1) {
        sha = sha.min(sha256_time(&entries, 1));
        let t = Instant::now();
        let rep = audit::verify_bytes(&entries, &checkpoints, &public);
        let d = t.elapsed();
        if !rep.is_intact() {
            return Err(format!(
                "benchmark journal does not verify: {:?}",
                rep.problems.first()
            )
            .into());
        }
        best = best.min(d);
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "verify ({threads} core(s)):      {:>7.1} MB/s   raw SHA-256 (1 core): {:>7.1} MB/s   ratio: {:.2}",
        mbps(bytes, best),
        mbps(bytes, sha),
        sha.as_secs_f64() / best.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}
