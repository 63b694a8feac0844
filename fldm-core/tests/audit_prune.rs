//! Retention: pruning drops entry contents past their retention date but
//! keeps their leaf hashes, so every checkpoint, proof and bundle for the
//! remaining entries still verifies.

use fldm_core::audit::{
    self, AuditRecord, Journal, JournalOptions, Operation, Outcome, OutcomeKind, ReadEntry,
    SigningKey, Stage,
};

fn record(n: u64) -> AuditRecord {
    let t = 1_767_225_600_000 + n as i64 * 3_600_000;
    AuditRecord {
        event_id: format!("ev-{n}"),
        request_id: format!("rq-{n}"),
        time_ms: t,
        stage: Stage::Hub,
        operation: Operation::Disclose,
        requesting_office: "jugendamt".into(),
        retrieving_person: "u1".into(),
        responsible_person: "u2".into(),
        purpose: "28".into(),
        outcome: Outcome {
            kind: OutcomeKind::Permitted,
            reason: None,
        },
        // Every third entry is an AZRG § 13 log (six months), the rest BDSG § 76.
        retention_until: if n.is_multiple_of(3) {
            audit::retention::azrg_13(t)
        } else {
            audit::retention::bdsg_76(t)
        }
        .expect("date"),
        ..Default::default()
    }
}

#[test]
fn pruned_journals_keep_old_checkpoints_and_proofs_verifiable() {
    let dir = std::env::temp_dir().join(format!("fldm-audit-prune-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let pkcs8 = SigningKey::generate_pkcs8().expect("gen");
    let key = || SigningKey::from_pkcs8(&pkcs8).expect("key");
    let public = key().public_key();
    let opts = || JournalOptions {
        signing_key: Some(key()),
        checkpoint_interval: 10,
        ..Default::default()
    };
    let (j, _) = Journal::open(&dir, opts()).expect("open");
    for i in 0..45 {
        j.append(&record(i)).expect("append");
    }
    let bundle_before = j.prove_inclusion(22).expect("bundle");
    j.close().expect("close");
    let checkpoints_before = audit::read_checkpoints(&dir).expect("cps");
    let size_before = std::fs::metadata(dir.join(audit::ENTRIES_FILE))
        .expect("meta")
        .len();

    // 2026-07-03: the six-month entries (n % 3 == 0, from 2026-01-01) are due.
    let today = audit::parse_date("2026-07-03").expect("date");
    let (report, _) = audit::prune(&dir, today).expect("prune");
    assert_eq!(report.pruned, 15);
    assert_eq!(report.kept, 30);
    assert!(
        std::fs::metadata(dir.join(audit::ENTRIES_FILE))
            .expect("meta")
            .len()
            < size_before
    );
    for e in audit::read_entries(&dir).expect("read") {
        assert_eq!(
            matches!(e, ReadEntry::Pruned { .. }),
            e.index() % 3 == 0,
            "entry {}",
            e.index()
        );
    }

    // Every old checkpoint still verifies against the pruned journal.
    assert_eq!(
        audit::read_checkpoints(&dir).expect("cps"),
        checkpoints_before
    );
    let rep = audit::verify_dir(&dir, &public).expect("verify");
    assert!(rep.is_intact(), "{:?}", rep.problems);
    assert_eq!(
        (rep.pruned, rep.checkpoints_verified),
        (15, checkpoints_before.len())
    );
    // A bundle made before pruning still checks; new proofs work for kept entries.
    assert_eq!(bundle_before.verify(&public), Ok(()));
    let b = audit::prove_dir(&dir, 23).expect("prove");
    assert_eq!(b.verify(&public), Ok(()));
    let e = audit::prove_dir(&dir, 21).expect_err("pruned");
    assert!(e.to_string().contains("pruned"));

    // The journal goes on after pruning; pruning again prunes only what is
    // newly due (entry 45 is a six-month entry from 2026-01-02).
    let (j, open) = Journal::open(&dir, opts()).expect("reopen");
    assert_eq!((open.entries, open.pruned), (45, 15));
    for i in 45..50 {
        assert_eq!(j.append(&record(i)).expect("append"), i);
    }
    let r = j.prune(today).expect("prune again");
    assert_eq!((r.pruned, r.already_pruned, r.kept), (1, 15, 34));
    j.close().expect("close");
    let rep = audit::verify_dir(&dir, &public).expect("verify");
    assert!(rep.is_intact(), "{:?}", rep.problems);
    assert_eq!(rep.verified_size, 50);
    let _ = std::fs::remove_dir_all(&dir);
}
