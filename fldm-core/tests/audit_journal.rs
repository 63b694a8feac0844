//! Journal behaviour: concurrent durable appends, checkpoints across
//! sessions, proofs and bundles, validation, fail-closed errors.

use std::path::PathBuf;
use std::sync::Arc;

use fldm_core::audit::{
    self, AuditRecord, Bundle, BundleProblem, Journal, JournalOptions, Operation, Outcome,
    OutcomeKind, SigningKey, Stage, merkle,
};

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(tag: &str) -> TempDir {
    let p = std::env::temp_dir().join(format!("fldm-audit-journal-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    TempDir(p)
}

fn record(n: u64) -> AuditRecord {
    let t = 1_767_225_600_000 + n as i64;
    AuditRecord {
        event_id: format!("ev-{n}"),
        request_id: format!("rq-{n}"),
        time_ms: t,
        stage: Stage::Client,
        operation: Operation::Query,
        requesting_office: "sozialamt".into(),
        retrieving_person: "u1".into(),
        responsible_person: "u2".into(),
        purpose: "62".into(),
        outcome: Outcome {
            kind: OutcomeKind::Permitted,
            reason: None,
        },
        retention_until: audit::retention::bdsg_76(t).expect("date"),
        ..Default::default()
    }
}

fn key_pair() -> (Vec<u8>, audit::PublicKey) {
    let pkcs8 = SigningKey::generate_pkcs8().expect("gen");
    let public = SigningKey::from_pkcs8(&pkcs8).expect("key").public_key();
    (pkcs8, public)
}

fn options(pkcs8: &[u8], interval: u64) -> JournalOptions {
    JournalOptions {
        origin: Some("stadt.example/sozialamt".into()),
        signing_key: Some(SigningKey::from_pkcs8(pkcs8).expect("key")),
        checkpoint_interval: interval,
        ..Default::default()
    }
}

#[test]
fn concurrent_durable_appends_get_distinct_indices_and_verify() {
    let tmp = tempdir("threads");
    let (pkcs8, public) = key_pair();
    let (j, report) = Journal::open(&tmp.0, options(&pkcs8, 16)).expect("open");
    assert!(report.created);
    let j = Arc::new(j);
    let mut indices: Vec<u64> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4u64)
            .map(|t| {
                let j = Arc::clone(&j);
                s.spawn(move || {
                    (0..50u64)
                        .map(|i| j.append(&record(t * 1000 + i)).expect("append"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    indices.sort_unstable();
    assert_eq!(indices, (0..200).collect::<Vec<_>>());
    Arc::try_unwrap(j)
        .expect("sole owner")
        .close()
        .expect("close");
    let rep = audit::verify_dir(&tmp.0, &public).expect("verify");
    assert!(rep.is_intact(), "{:?}", rep.problems);
    assert_eq!(rep.entries, 200);
    assert!(
        rep.checkpoints >= 200 / 16,
        "a checkpoint at least every 16 entries"
    );
    assert_eq!(rep.verified_size, 200, "close writes a final checkpoint");
}

#[test]
fn reopening_continues_the_log_with_consistent_checkpoints() {
    let tmp = tempdir("sessions");
    let (pkcs8, public) = key_pair();
    for session in 0..3u64 {
        let (j, report) = Journal::open(&tmp.0, options(&pkcs8, 0)).expect("open");
        assert_eq!(report.entries, session * 7);
        assert_eq!(j.origin(), "stadt.example/sozialamt");
        for i in 0..7 {
            assert_eq!(j.append(&record(i)).expect("append"), session * 7 + i);
        }
        let cp = j.checkpoint().expect("checkpoint");
        assert_eq!(cp.checkpoint.size, session * 7 + 7);
        assert_eq!(cp.checkpoint.root, j.root().expect("root"));
        j.close().expect("close");
    }
    let cps = audit::read_checkpoints(&tmp.0).expect("cps");
    assert_eq!(cps.len(), 3);
    for w in cps.windows(2) {
        let (a, b) = (&w[0].signed.checkpoint, &w[1].signed.checkpoint);
        let (from, proof) = w[1].consistency.clone().expect("consistency proof");
        assert_eq!(from, a.size);
        assert!(merkle::verify_consistency(
            a.size, b.size, &a.root, &b.root, &proof
        ));
    }
    let rep = audit::verify_dir(&tmp.0, &public).expect("verify");
    assert!(rep.is_intact() && rep.checkpoints_verified == 3, "{rep:?}");
    // Another origin is refused.
    let mut o = options(&pkcs8, 0);
    o.origin = Some("other".into());
    assert!(Journal::open(&tmp.0, o).is_err());
}

#[test]
fn inclusion_bundles_verify_offline_and_detect_changes() {
    let (pkcs8, public) = key_pair();
    let j = Journal::in_memory(options(&pkcs8, 0)).expect("journal");
    for i in 0..37 {
        j.append(&record(i)).expect("append");
    }
    // Entry 20 is not covered yet: proving writes a checkpoint first.
    let b = j.prove_inclusion(20).expect("bundle");
    assert_eq!(b.checkpoint.checkpoint.size, 37);
    assert_eq!(b.verify(&public), Ok(()));
    let parsed = Bundle::from_json(&b.to_json()).expect("parse");
    assert_eq!(parsed, b);
    assert_eq!(parsed.verify(&public), Ok(()));

    let mut changed = b.clone();
    changed.entry.record.purpose = "70".into();
    assert_eq!(
        changed.verify(&public),
        Err(BundleProblem::NotIncluded {
            index: 20,
            tree_size: 37
        })
    );
    let mut moved = b.clone();
    moved.entry.index = 21;
    assert!(moved.verify(&public).is_err());
    let mut forged = b.clone();
    forged.checkpoint.checkpoint.size = 38;
    assert_eq!(forged.verify(&public), Err(BundleProblem::SignatureInvalid));
    let (_, other) = key_pair();
    assert!(matches!(
        b.verify(&other),
        Err(BundleProblem::OtherKey { .. })
    ));
    assert!(j.prove_inclusion(37).is_err());
}

#[test]
fn invalid_records_are_refused_and_not_logged() {
    let j = Journal::in_memory(JournalOptions::default()).expect("journal");
    j.append(&record(0)).expect("append");
    let mut r = record(1);
    r.subject_ref = Some("Erika Mustermann".into());
    let e = j.append(&r).expect_err("invalid");
    assert_eq!(e.field(), Some("subject_ref"));
    assert!(
        !e.to_string().contains("Mustermann"),
        "no personal data in errors: {e}"
    );
    let mut r = record(2);
    r.retention_until = audit::parse_date("2025-01-01").expect("date");
    assert_eq!(
        j.append(&r).expect_err("invalid").field(),
        Some("retention_until")
    );
    assert_eq!(j.len(), 1);
    assert_eq!(j.append(&record(3)).expect("append"), 1);
}

#[test]
fn checkpoints_need_a_signing_key() {
    let j = Journal::in_memory(JournalOptions::default()).expect("journal");
    j.append(&record(0)).expect("append");
    assert!(j.checkpoint().is_err());
    assert!(j.prove_inclusion(0).is_err());
}

#[test]
fn a_damaged_journal_is_not_opened() {
    let tmp = tempdir("damaged");
    let (pkcs8, _) = key_pair();
    let (j, _) = Journal::open(&tmp.0, options(&pkcs8, 4)).expect("open");
    for i in 0..10 {
        j.append(&record(i)).expect("append");
    }
    j.close().expect("close");
    // Rewrite entry 2 consistently (valid frame checksum).
    let p = tmp.0.join(audit::ENTRIES_FILE);
    let data = std::fs::read(&p).expect("read");
    let (frames, _) = audit::frame::scan(&data, audit::frame::ENTRIES_MAGIC, false);
    let mut out = audit::frame::ENTRIES_MAGIC.to_vec();
    for (i, f) in frames.iter().enumerate() {
        let mut payload = data[f.payload.0..f.payload.1].to_vec();
        if i == 2 {
            let at = payload
                .windows(4)
                .position(|w| w == b"\"62\"")
                .expect("purpose");
            payload[at + 2] = b'1';
        }
        audit::frame::push(&mut out, f.kind, &payload);
    }
    std::fs::write(&p, out).expect("write");
    let e = Journal::open(&tmp.0, options(&pkcs8, 4)).expect_err("must not open");
    assert!(e.to_string().contains("verify"), "{e}");
}
