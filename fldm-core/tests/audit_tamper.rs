//! The verifier detects and localises each kind of tampering, even when the
//! attacker recomputes the frame checksums.

use std::path::{Path, PathBuf};

use fldm_core::audit::{
    self, AuditRecord, Journal, JournalOptions, Operation, Outcome, OutcomeKind, Problem,
    PublicKey, SigningKey, Stage, frame,
};

fn record(n: u64) -> AuditRecord {
    let t = 1_767_225_600_000 + n as i64 * 60_000;
    AuditRecord {
        event_id: format!("ev-{n}"),
        request_id: format!("rq-{n}"),
        time_ms: t,
        stage: Stage::Hub,
        operation: Operation::Disclose,
        requesting_office: "wgb:05315000-wohnungsamt".into(),
        retrieving_person: format!("u{}", 1000 + n),
        responsible_person: "u0001".into(),
        recipient: Some("wgb:05315000-wohnungsamt".into()),
        purpose: "70".into(),
        legal_basis: Some("§ 14 Abs. 1 AZRG".into()),
        rule_id: Some("housing.identify".into()),
        disclosed_attributes: vec!["grundpersonalien.familienname".into()],
        outcome: Outcome {
            kind: OutcomeKind::Permitted,
            reason: None,
        },
        retention_until: audit::parse_date("2027-12-31").expect("date"),
        ..Default::default()
    }
}

struct Fixture {
    _tmp: TempDir,
    dir: PathBuf,
    pkcs8: Vec<u8>,
    public: PublicKey,
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(tag: &str) -> TempDir {
    let p = std::env::temp_dir().join(format!(
        "fldm-audit-{tag}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).expect("tempdir");
    TempDir(p)
}

fn write_journal(dir: &Path, pkcs8: &[u8], n: u64, modify: Option<u64>) {
    let (j, _) = Journal::open(
        dir,
        JournalOptions {
            signing_key: Some(SigningKey::from_pkcs8(pkcs8).expect("key")),
            checkpoint_interval: 8,
            ..Default::default()
        },
    )
    .expect("open");
    for i in 0..n {
        let mut r = record(i);
        if modify == Some(i) {
            r.purpose = "25".into();
        }
        assert_eq!(j.append(&r).expect("append"), i);
    }
    j.close().expect("close");
}

/// 20 entries, checkpoints #0 (size 8), #1 (16), #2 (20, on close).
fn fixture(tag: &str) -> Fixture {
    let tmp = tempdir(tag);
    let dir = tmp.0.join("journal");
    let pkcs8 = SigningKey::generate_pkcs8().expect("keygen");
    let public = SigningKey::from_pkcs8(&pkcs8).expect("key").public_key();
    write_journal(&dir, &pkcs8, 20, None);
    assert_eq!(audit::read_checkpoints(&dir).expect("cps").len(), 3);
    Fixture {
        _tmp: tmp,
        dir,
        pkcs8,
        public,
    }
}

fn read_frames(path: &Path, magic: &[u8; 8]) -> Vec<(u8, Vec<u8>)> {
    let data = std::fs::read(path).expect("read");
    let (frames, _) = frame::scan(&data, magic, false);
    frames
        .iter()
        .map(|f| (f.kind, data[f.payload.0..f.payload.1].to_vec()))
        .collect()
}

/// Rewrite a file from frames, with correct checksums.
fn write_frames(path: &Path, magic: &[u8; 8], frames: &[(u8, Vec<u8>)]) {
    let mut out = magic.to_vec();
    for (k, p) in frames {
        frame::push(&mut out, *k, p);
    }
    std::fs::write(path, out).expect("write");
}

fn entries(f: &Fixture) -> (PathBuf, Vec<(u8, Vec<u8>)>) {
    let p = f.dir.join(audit::ENTRIES_FILE);
    let fr = read_frames(&p, frame::ENTRIES_MAGIC);
    (p, fr)
}

fn problems(f: &Fixture) -> Vec<Problem> {
    let rep = audit::verify_dir(&f.dir, &f.public).expect("verify");
    rep.problems
}

fn replace(hay: &mut Vec<u8>, from: &[u8], to: &[u8]) {
    let pos = hay
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    hay.splice(pos..pos + from.len(), to.iter().copied());
}

#[test]
fn an_untouched_journal_is_intact() {
    let f = fixture("intact");
    let rep = audit::verify_dir(&f.dir, &f.public).expect("verify");
    assert!(rep.is_intact(), "{:?}", rep.problems);
    assert_eq!(
        (
            rep.entries,
            rep.checkpoints,
            rep.checkpoints_verified,
            rep.uncovered
        ),
        (20, 3, 3, 0)
    );
}

#[test]
fn a_modified_byte_names_the_entry() {
    let f = fixture("modbyte");
    let (p, mut fr) = entries(&f);
    // One byte: retrieving person u1005 -> u1006.
    replace(&mut fr[5].1, b"\"u1005\"", b"\"u1006\"");
    write_frames(&p, frame::ENTRIES_MAGIC, &fr);
    let pr = problems(&f);
    assert!(
        pr.iter()
            .any(|p| matches!(p, Problem::EntryModified { index: 5, .. })),
        "{pr:?}"
    );
    assert!(
        pr.iter().all(|p| p.entry_index().is_none_or(|i| i <= 5)),
        "{pr:?}"
    );
}

#[test]
fn a_modified_last_entry_is_caught_by_the_checkpoint() {
    let f = fixture("modlast");
    let (p, mut fr) = entries(&f);
    replace(&mut fr[19].1, b"\"u1019\"", b"\"u1018\"");
    write_frames(&p, frame::ENTRIES_MAGIC, &fr);
    let pr = problems(&f);
    assert_eq!(pr.len(), 1, "{pr:?}");
    assert!(
        matches!(pr[0], Problem::EntryModified { index: 19, .. }),
        "{pr:?}"
    );
}

#[test]
fn a_flipped_bit_without_checksum_repair_is_a_checksum_problem() {
    let f = fixture("bitflip");
    let p = f.dir.join(audit::ENTRIES_FILE);
    let mut data = std::fs::read(&p).expect("read");
    let (frames, _) = frame::scan(&data, frame::ENTRIES_MAGIC, false);
    let at = frames[11].payload.0 + 30;
    data[at] ^= 0x01;
    std::fs::write(&p, data).expect("write");
    let pr = problems(&f);
    assert!(
        pr.iter()
            .any(|p| matches!(p, Problem::FrameChecksum { position: 11, .. })),
        "{pr:?}"
    );
    // The journal refuses to open rather than "repairing" the damage.
    let err = Journal::open(&f.dir, JournalOptions::default()).expect_err("must not open");
    assert!(err.to_string().contains("damaged"), "{err}");
}

#[test]
fn a_deleted_entry_is_named() {
    let f = fixture("delete");
    let (p, mut fr) = entries(&f);
    fr.remove(7);
    write_frames(&p, frame::ENTRIES_MAGIC, &fr);
    let pr = problems(&f);
    assert_eq!(pr, vec![Problem::EntriesMissing { first: 7, last: 7 }]);
}

#[test]
fn swapped_entries_are_named() {
    let f = fixture("swap");
    let (p, mut fr) = entries(&f);
    fr.swap(3, 4);
    write_frames(&p, frame::ENTRIES_MAGIC, &fr);
    let pr = problems(&f);
    assert_eq!(
        pr,
        vec![Problem::EntriesSwapped {
            first: 3,
            second: 4
        }]
    );
}

#[test]
fn a_truncated_tail_behind_a_checkpoint_is_named() {
    let f = fixture("truncate");
    let (p, mut fr) = entries(&f);
    fr.truncate(17);
    write_frames(&p, frame::ENTRIES_MAGIC, &fr);
    let pr = problems(&f);
    assert_eq!(
        pr,
        vec![Problem::TruncatedTail {
            present: 17,
            checkpoint: 2,
            size: 20
        }]
    );
    assert!(
        pr[0].to_string().starts_with("entries 17..19: missing"),
        "{}",
        pr[0]
    );
}

#[test]
fn a_forged_checkpoint_signature_is_named() {
    let f = fixture("forge");
    let p = f.dir.join(audit::CHECKPOINTS_FILE);
    let mut fr = read_frames(&p, frame::CHECKPOINTS_MAGIC);
    // Claim a different time without re-signing.
    let text = String::from_utf8(fr[1].1.clone()).expect("utf8");
    let at = text.find("\"time_ms\":").expect("time") + 10;
    let mut bytes = fr[1].1.clone();
    bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
    fr[1].1 = bytes;
    write_frames(&p, frame::CHECKPOINTS_MAGIC, &fr);
    let pr = problems(&f);
    assert!(
        matches!(
            &pr[..],
            [Problem::CheckpointSignature {
                checkpoint: 1,
                size: 16,
                ..
            }]
        ),
        "{pr:?}"
    );
    assert!(pr[0].to_string().contains("signature invalid"));
}

#[test]
fn a_checkpoint_from_a_rewritten_history_is_inconsistent() {
    let f = fixture("fork");
    // The key holder rewrites entry 3 and signs new checkpoints over it.
    let fork = f._tmp.0.join("fork");
    write_journal(&fork, &f.pkcs8, 20, Some(3));
    let forged = read_frames(
        &fork.join(audit::CHECKPOINTS_FILE),
        frame::CHECKPOINTS_MAGIC,
    );
    let p = f.dir.join(audit::CHECKPOINTS_FILE);
    let mut fr = read_frames(&p, frame::CHECKPOINTS_MAGIC);
    fr[1] = forged[1].clone();
    write_frames(&p, frame::CHECKPOINTS_MAGIC, &fr);
    let pr = problems(&f);
    assert!(
        matches!(
            &pr[..],
            [Problem::CheckpointInconsistent {
                checkpoint: 1,
                size: 16,
                earlier: 0,
                earlier_size: 8,
                ..
            }]
        ),
        "{pr:?}"
    );
}

#[test]
fn a_torn_tail_is_reported_on_open_and_truncated() {
    let f = fixture("torn");
    let p = f.dir.join(audit::ENTRIES_FILE);
    let mut data = std::fs::read(&p).expect("read");
    let len = data.len();
    let mut extra = Vec::new();
    frame::push(
        &mut extra,
        frame::KIND_ENTRY,
        b"{\"index\":20,\"prev\":\"x\"}",
    );
    data.extend_from_slice(&extra[..extra.len() - 3]);
    std::fs::write(&p, &data).expect("write");
    let rep = audit::verify_dir(&f.dir, &f.public).expect("verify");
    assert!(rep.is_intact() && rep.notes.iter().any(|n| n.contains("incomplete frame")));
    let (j, open) = Journal::open(&f.dir, JournalOptions::default()).expect("open");
    assert_eq!(open.torn_tails.len(), 1);
    assert_eq!(open.torn_tails[0].offset, len as u64);
    assert_eq!(open.entries, 20);
    assert_eq!(j.append(&record(20)).expect("append"), 20);
    drop(j);
    assert!(std::fs::metadata(&p).expect("meta").len() as usize > len);
    let rep = audit::verify_dir(&f.dir, &f.public).expect("verify");
    assert!(rep.is_intact(), "{:?}", rep.problems);
}
