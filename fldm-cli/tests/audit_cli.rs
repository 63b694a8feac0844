//! `fldm audit ...` end to end: keys, verification of tampered journals,
//! listing, bundles, export, pruning, and crash safety under SIGKILL.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use fldm_core::audit::{
    self, AuditRecord, Journal, JournalOptions, Operation, Outcome, OutcomeKind, PseudonymKey,
    PublicKey, SigningKey, Stage, frame,
};

fn fldm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fldm"))
        .args(args)
        .output()
        .expect("run fldm")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(tag: &str) -> TempDir {
    let p = std::env::temp_dir().join(format!("fldm-cli-audit-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).expect("tempdir");
    TempDir(p)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn record(n: u64, pseudonyms: &PseudonymKey) -> AuditRecord {
    let t = 1_767_225_600_000 + n as i64 * 86_400_000; // one per day from 2026-01-01
    AuditRecord {
        event_id: format!("ev-{n}"),
        request_id: format!("rq-{n}"),
        time_ms: t,
        stage: if n.is_multiple_of(2) {
            Stage::Client
        } else {
            Stage::Hub
        },
        operation: Operation::Disclose,
        requesting_office: if n.is_multiple_of(3) {
            "gesundheitsamt"
        } else {
            "wohnungsamt"
        }
        .into(),
        retrieving_person: format!("u{}", 1000 + n),
        responsible_person: "u0001".into(),
        recipient: Some("wohnungsamt".into()),
        purpose: "70".into(),
        case_reference: Some(format!("56/2026-{n:04}")),
        legal_basis: Some("§ 14 Abs. 1 AZRG".into()),
        rule_id: Some("housing.identify".into()),
        disclosed_attributes: vec!["grundpersonalien.familienname".into()],
        subject_ref: Some(pseudonyms.subject_ref(&format!("FLDM-{}", n % 4))),
        outcome: Outcome {
            kind: OutcomeKind::Permitted,
            reason: None,
        },
        // Entries 0..9 are retained until 2026-06-30, the rest until 2027-12-31.
        retention_until: audit::parse_date(if n < 10 { "2026-06-30" } else { "2027-12-31" })
            .expect("date"),
        ..Default::default()
    }
}

struct Fixture {
    tmp: TempDir,
    keys: PathBuf,
    journal: PathBuf,
}

impl Fixture {
    fn pubkey(&self) -> PathBuf {
        self.keys.join("audit-signing.pub")
    }
    fn verify(&self) -> Output {
        fldm(&[
            "audit",
            "verify",
            s(&self.journal),
            "--public-key",
            s(&self.pubkey()),
        ])
    }
    fn entries_file(&self) -> PathBuf {
        self.journal.join(audit::ENTRIES_FILE)
    }
    fn checkpoints_file(&self) -> PathBuf {
        self.journal.join(audit::CHECKPOINTS_FILE)
    }
}

fn write_journal(dir: &Path, keys: &Path, modify: Option<u64>) {
    let pseudonyms = PseudonymKey::load(&keys.join("audit-pseudonym.key")).expect("hmac key");
    let (j, _) = Journal::open(
        dir,
        JournalOptions {
            signing_key: Some(SigningKey::load(&keys.join("audit-signing.pk8")).expect("key")),
            checkpoint_interval: 8,
            ..Default::default()
        },
    )
    .expect("open");
    for i in 0..20 {
        let mut r = record(i, &pseudonyms);
        if modify == Some(i) {
            r.purpose = "25".into();
        }
        j.append(&r).expect("append");
    }
    j.close().expect("close");
}

/// Keys from `fldm audit keygen`; 20 entries with checkpoints at 8, 16, 20.
fn fixture(tag: &str) -> Fixture {
    let tmp = tempdir(tag);
    let keys = tmp.0.join("keys");
    let o = fldm(&["audit", "keygen", s(&keys)]);
    assert!(o.status.success(), "{}", text(&o));
    let journal = tmp.0.join("journal");
    write_journal(&journal, &keys, None);
    Fixture { tmp, keys, journal }
}

fn frames(path: &Path, magic: &[u8; 8]) -> Vec<(u8, Vec<u8>)> {
    let data = std::fs::read(path).expect("read");
    let (fr, _) = frame::scan(&data, magic, false);
    fr.iter()
        .map(|f| (f.kind, data[f.payload.0..f.payload.1].to_vec()))
        .collect()
}

/// Rewrite with valid checksums, as an attacker would.
fn rewrite(path: &Path, magic: &[u8; 8], fr: &[(u8, Vec<u8>)]) {
    let mut out = magic.to_vec();
    for (k, p) in fr {
        frame::push(&mut out, *k, p);
    }
    std::fs::write(path, out).expect("write");
}

fn assert_tampered(f: &Fixture, expected: &str) {
    let o = f.verify();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("TAMPERED"), "{t}");
    assert!(t.contains(expected), "expected {expected:?} in:\n{t}");
}

#[test]
fn verify_accepts_an_intact_journal() {
    let f = fixture("intact");
    let o = f.verify();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("intact"));
}

#[test]
fn verify_names_a_modified_entry() {
    let f = fixture("modified");
    let mut fr = frames(&f.entries_file(), frame::ENTRIES_MAGIC);
    let p = &mut fr[5].1;
    let at = p
        .windows(7)
        .position(|w| w == b"\"u1005\"")
        .expect("person");
    p[at + 5] = b'6';
    rewrite(&f.entries_file(), frame::ENTRIES_MAGIC, &fr);
    assert_tampered(&f, "entry 5: modified");
}

#[test]
fn verify_names_a_deleted_entry() {
    let f = fixture("deleted");
    let mut fr = frames(&f.entries_file(), frame::ENTRIES_MAGIC);
    fr.remove(7);
    rewrite(&f.entries_file(), frame::ENTRIES_MAGIC, &fr);
    assert_tampered(&f, "entry 7: missing: deleted");
}

#[test]
fn verify_names_swapped_entries() {
    let f = fixture("swapped");
    let mut fr = frames(&f.entries_file(), frame::ENTRIES_MAGIC);
    fr.swap(3, 4);
    rewrite(&f.entries_file(), frame::ENTRIES_MAGIC, &fr);
    assert_tampered(&f, "entries 3 and 4: swapped");
}

#[test]
fn verify_names_a_truncated_tail_behind_a_checkpoint() {
    let f = fixture("truncated");
    let mut fr = frames(&f.entries_file(), frame::ENTRIES_MAGIC);
    fr.truncate(17);
    rewrite(&f.entries_file(), frame::ENTRIES_MAGIC, &fr);
    assert_tampered(&f, "entries 17..19: missing: the tail was truncated");
}

#[test]
fn verify_names_a_forged_checkpoint_signature() {
    let f = fixture("forged");
    let mut fr = frames(&f.checkpoints_file(), frame::CHECKPOINTS_MAGIC);
    // Replace the signature of checkpoint #1 by one made with another key.
    let other = SigningKey::from_pkcs8(&SigningKey::generate_pkcs8().expect("gen")).expect("key");
    let stored = audit::StoredCheckpoint::decode(&fr[1].1).expect("decode");
    let mut forged = stored.clone();
    forged.signed.signature = other.sign(stored.signed.checkpoint.clone()).signature;
    fr[1].1 = forged.canonical_bytes();
    rewrite(&f.checkpoints_file(), frame::CHECKPOINTS_MAGIC, &fr);
    assert_tampered(&f, "checkpoint #1 (tree size 16): signature invalid");
}

#[test]
fn verify_names_a_checkpoint_inconsistent_with_an_earlier_one() {
    let f = fixture("fork");
    let fork = f.tmp.0.join("fork");
    write_journal(&fork, &f.keys, Some(2));
    let forged = frames(
        &fork.join(audit::CHECKPOINTS_FILE),
        frame::CHECKPOINTS_MAGIC,
    );
    let mut fr = frames(&f.checkpoints_file(), frame::CHECKPOINTS_MAGIC);
    fr[1] = forged[1].clone();
    rewrite(&f.checkpoints_file(), frame::CHECKPOINTS_MAGIC, &fr);
    assert_tampered(
        &f,
        "checkpoint #1 (tree size 16): inconsistent with earlier checkpoint #0 (tree size 8)",
    );
}

#[test]
fn verify_usage_and_io_errors_exit_2() {
    let f = fixture("usage");
    let o = fldm(&[
        "audit",
        "verify",
        s(&f.tmp.0.join("nope")),
        "--public-key",
        s(&f.pubkey()),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = fldm(&[
        "audit",
        "verify",
        s(&f.journal),
        "--public-key",
        s(&f.entries_file()),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = fldm(&["audit", "verify", s(&f.journal)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn keygen_writes_usable_keys_and_refuses_to_overwrite() {
    let f = fixture("keygen");
    let public = PublicKey::load(&f.pubkey()).expect("public key");
    let signing = SigningKey::load(&f.keys.join("audit-signing.pk8")).expect("signing key");
    assert_eq!(public, signing.public_key());
    PseudonymKey::load(&f.keys.join("audit-pseudonym.key")).expect("hmac key");
    let before = std::fs::read(f.keys.join("audit-signing.pk8")).expect("read");
    let o = fldm(&["audit", "keygen", s(&f.keys)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(
        std::fs::read(f.keys.join("audit-signing.pk8")).expect("read"),
        before
    );
}

fn shown_indices(o: &Output) -> Vec<u64> {
    assert!(o.status.success(), "{}", text(o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

#[test]
fn show_filters_by_time_office_and_subject() {
    let f = fixture("show");
    let j = s(&f.journal);
    let all = shown_indices(&fldm(&["audit", "show", j]));
    assert_eq!(all, (0..20).collect::<Vec<_>>());
    // Entry n is on 2026-01-01 + n days.
    let o = fldm(&[
        "audit",
        "show",
        j,
        "--from",
        "2026-01-03",
        "--to",
        "2026-01-05",
    ]);
    assert_eq!(shown_indices(&o), vec![2, 3, 4]);
    let o = fldm(&["audit", "show", j, "--office", "gesundheitsamt"]);
    assert_eq!(shown_indices(&o), vec![0, 3, 6, 9, 12, 15, 18]);
    let hmac = f.keys.join("audit-pseudonym.key");
    let o = fldm(&[
        "audit",
        "show",
        j,
        "--subject",
        "FLDM-1",
        "--pseudonym-key",
        s(&hmac),
    ]);
    assert_eq!(shown_indices(&o), vec![1, 5, 9, 13, 17]);
    let subject = PseudonymKey::load(&hmac)
        .expect("key")
        .subject_ref("FLDM-2");
    let o = fldm(&["audit", "show", j, "--subject", &subject]);
    assert_eq!(shown_indices(&o), vec![2, 6, 10, 14, 18]);
    let o = fldm(&["audit", "show", j, "--from", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn prove_writes_a_bundle_that_checks_offline() {
    let f = fixture("bundle");
    let bundle = f.tmp.0.join("bundle.json");
    let o = fldm(&[
        "audit",
        "prove",
        s(&f.journal),
        "--index",
        "5",
        "--out",
        s(&bundle),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = fldm(&[
        "audit",
        "check-bundle",
        s(&bundle),
        "--public-key",
        s(&f.pubkey()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("entry 5 is included"), "{}", text(&o));

    // The bundle alone is enough: delete the journal and check again.
    std::fs::remove_dir_all(&f.journal).expect("rm");
    let o = fldm(&[
        "audit",
        "check-bundle",
        s(&bundle),
        "--public-key",
        s(&f.pubkey()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // A changed record in the bundle is detected.
    let doc = std::fs::read_to_string(&bundle).expect("read");
    let changed = doc.replace("\"u1005\"", "\"u1006\"");
    assert_ne!(doc, changed);
    std::fs::write(&bundle, changed).expect("write");
    let o = fldm(&[
        "audit",
        "check-bundle",
        s(&bundle),
        "--public-key",
        s(&f.pubkey()),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("entry 5: the inclusion proof does not lead"),
        "{}",
        text(&o)
    );

    // Another key does not accept it.
    std::fs::write(&bundle, doc).expect("write");
    let other = f.tmp.0.join("other");
    assert!(fldm(&["audit", "keygen", s(&other)]).status.success());
    let o = fldm(&[
        "audit",
        "check-bundle",
        s(&bundle),
        "--public-key",
        s(&other.join("audit-signing.pub")),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn prove_can_write_the_checkpoint_it_needs() {
    let f = fixture("provecp");
    // Three more entries, not covered by a checkpoint.
    let (j, _) = Journal::open(&f.journal, JournalOptions::default()).expect("open");
    let key = PseudonymKey::from_bytes(&[2; 32]).expect("key");
    for i in 20..23 {
        j.append(&record(i, &key)).expect("append");
    }
    j.close().expect("close");
    let o = fldm(&["audit", "prove", s(&f.journal), "--index", "21"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not covered"), "{}", text(&o));
    let bundle = f.tmp.0.join("b21.json");
    let pk8 = f.keys.join("audit-signing.pk8");
    let o = fldm(&[
        "audit",
        "prove",
        s(&f.journal),
        "--index",
        "21",
        "--signing-key",
        s(&pk8),
        "--out",
        s(&bundle),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = fldm(&[
        "audit",
        "check-bundle",
        s(&bundle),
        "--public-key",
        s(&f.pubkey()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(f.verify().status.code(), Some(0));
}

#[test]
fn export_writes_json_lines_and_xml() {
    let f = fixture("export");
    let o = fldm(&["audit", "export", s(&f.journal), "--format", "jsonl"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8(o.stdout).expect("utf-8");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 20);
    assert_eq!(lines[7]["index"], 7);
    assert_eq!(lines[7]["record"]["retrieving_person"], "u1007");

    let xml = f.tmp.0.join("journal.xml");
    let o = fldm(&[
        "audit",
        "export",
        s(&f.journal),
        "--format",
        "xml",
        "--out",
        s(&xml),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let x = std::fs::read_to_string(&xml).expect("read");
    assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(x.matches("<entry index=").count(), 20);
    assert!(x.contains("<legalBasis>§ 14 Abs. 1 AZRG</legalBasis>"));
    assert!(x.contains("<retrievingPerson>u1007</retrievingPerson>"));
}

#[test]
fn prune_keeps_the_journal_verifiable() {
    let f = fixture("prune");
    let bundle = f.tmp.0.join("b15.json");
    assert!(
        fldm(&[
            "audit",
            "prove",
            s(&f.journal),
            "--index",
            "15",
            "--out",
            s(&bundle)
        ])
        .status
        .success()
    );
    let o = fldm(&["audit", "prune", s(&f.journal), "--now", "2026-07-01"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("pruned 10 entries"), "{}", text(&o));
    let o = f.verify();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("(10 pruned)"), "{}", text(&o));
    let o = fldm(&[
        "audit",
        "check-bundle",
        s(&bundle),
        "--public-key",
        s(&f.pubkey()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = fldm(&["audit", "prove", s(&f.journal), "--index", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("pruned"), "{}", text(&o));
    let o = fldm(&["audit", "export", s(&f.journal)]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("\"pruned\":true"))
            .count(),
        10
    );
    let o = fldm(&["audit", "show", s(&f.journal)]);
    assert_eq!(shown_indices(&o), (10..20).collect::<Vec<_>>());
}

/// A tiny deterministic generator for the kill moments.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn acknowledged_appends_survive_sigkill() {
    let tmp = tempdir("crash");
    let keys = tmp.0.join("keys");
    assert!(fldm(&["audit", "keygen", s(&keys)]).status.success());
    let public = PublicKey::load(&keys.join("audit-signing.pub")).expect("pub");
    let journal = tmp.0.join("journal");
    let mut rng = Lcg(0x5eed_f1d3);
    let mut acknowledged_total = 0usize;
    let mut torn = 0usize;
    for round in 0..50 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fldm"))
            .args([
                "audit",
                "append-loop",
                s(&journal),
                "--signing-key",
                s(&keys.join("audit-signing.pk8")),
                "--interval",
                "8",
                "--threads",
                "3",
                "--write-chunk",
                "16",
                "--max-seconds",
                "20",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            let mut acked = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(i) = line.trim().parse::<u64>() {
                    acked.push(i);
                }
            }
            acked
        });
        std::thread::sleep(std::time::Duration::from_millis(10 + rng.next(70)));
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        let acked = reader.join().expect("reader");
        acknowledged_total += acked.len();

        let (j, report) = Journal::open(&journal, JournalOptions::default())
            .unwrap_or_else(|e| panic!("round {round}: journal does not open: {e}"));
        torn += report.torn_tails.len();
        for i in &acked {
            assert!(
                *i < report.entries,
                "round {round}: acknowledged entry {i} lost ({report})"
            );
        }
        drop(j);
        let rep = audit::verify_dir(&journal, &public).expect("verify");
        assert!(rep.is_intact(), "round {round}: {:?}", rep.problems);
        assert_eq!(
            rep.entries as usize,
            audit::read_entries(&journal).expect("read").len()
        );
    }
    let entries = audit::read_entries(&journal).expect("read").len();
    eprintln!(
        "crash test: 50 kills, {acknowledged_total} acknowledged appends, {entries} entries, {torn} torn tails truncated"
    );
    assert!(acknowledged_total > 0);
}

/// Fail closed: when the file cannot grow (file size limit, SIGXFSZ
/// ignored so that write returns EFBIG), append returns an error, nothing
/// more is acknowledged, and everything acknowledged before is intact.
#[cfg(unix)]
#[test]
fn a_failing_write_fails_closed() {
    let tmp = tempdir("failclosed");
    let journal = tmp.0.join("journal");
    let out = Command::new("/bin/sh")
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 40; exec \"$0\" audit append-loop \"$1\" --threads 2 --max-seconds 20",
            env!("CARGO_BIN_EXE_fldm"),
            s(&journal),
        ])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("File too large") || err.contains("failed write"),
        "{err}"
    );
    let acked: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    assert!(!acked.is_empty());
    let (j, report) = Journal::open(&journal, JournalOptions::default()).expect("reopen");
    for i in &acked {
        assert!(
            *i < report.entries,
            "acknowledged entry {i} lost ({report})"
        );
    }
    // The journal works again once the cause is gone.
    let n = j
        .append(&record(
            0,
            &PseudonymKey::from_bytes(&[1; 32]).expect("key"),
        ))
        .expect("append");
    assert_eq!(n, report.entries);
}
