//! No personal data in the log: records written for a synthetic population
//! (as the hub writes them: subject and criteria only as keyed hashes)
//! leave none of its names, birth dates or street names in the journal
//! files or in the exports.

use fldm_core::audit::{
    self, AuditRecord, Journal, JournalOptions, Operation, Outcome, OutcomeKind, PseudonymKey,
    SigningKey, Stage,
};
use fldm_core::record::{NamePart, Person};

fn name(p: &Option<NamePart>) -> Option<String> {
    match p {
        Some(NamePart::Wert(n)) => Some(n.as_str().to_string()),
        _ => None,
    }
}

/// The personal data of a person that must never reach the log.
fn secrets(p: &Person) -> Vec<String> {
    let g = &p.grundpersonalien;
    let mut v: Vec<String> = [&g.familienname, &g.geburtsname, &g.vornamen]
        .into_iter()
        .filter_map(name)
        .collect();
    if let Some(d) = &g.geburtsdatum {
        let t = d.to_text();
        // Full and year-month dates; a bare year is too short to search for.
        if t.len() >= 7 && t.as_bytes()[0].is_ascii_digit() {
            v.push(t.clone());
            if t.len() == 10 {
                v.push(format!("{}.{}.{}", &t[8..10], &t[5..7], &t[0..4]));
            }
        }
    }
    for a in p
        .anschrift
        .aktuell
        .iter()
        .chain(p.anschrift.fruehere.iter())
    {
        if let Some(s) = &a.strasse {
            v.push(s.as_str().to_string());
        }
    }
    v
}

fn records_for(p: &Person, n: u64, key: &PseudonymKey) -> Vec<AuditRecord> {
    let g = &p.grundpersonalien;
    let mut criteria = Vec::new();
    if let Some(f) = name(&g.familienname) {
        criteria.push(key.criterion("grundpersonalien.familienname", &f));
    }
    if let Some(f) = name(&g.vornamen) {
        criteria.push(key.criterion("grundpersonalien.vornamen", &f));
    }
    if let Some(d) = &g.geburtsdatum {
        criteria.push(key.criterion("grundpersonalien.geburtsdatum", &d.to_text()));
    }
    // 2030, so that no record time or retention date can look like a birth date.
    let t = 1_893_456_000_000 + n as i64 * 60_000;
    let payload = serde_json::to_vec(p).expect("payload");
    let base = AuditRecord {
        event_id: format!("ev-{n}"),
        request_id: format!("rq-{n}"),
        time_ms: t,
        requesting_office: "wgb:05315000-wohnungsamt".into(),
        retrieving_person: "u4711".into(),
        responsible_person: "u0815".into(),
        purpose: "70".into(),
        case_reference: Some(format!("56/2030-{n:05}")),
        legal_basis: Some("§ 14 Abs. 1 Nr. 1, 6 AZRG".into()),
        rule_id: Some("wohnungsamt.identifizierung".into()),
        retention_until: audit::retention::bdsg_76(t).expect("date"),
        ..Default::default()
    };
    let search = AuditRecord {
        stage: Stage::Client,
        operation: Operation::Query,
        query_criteria: criteria,
        ..base.clone()
    };
    let disclose = AuditRecord {
        stage: Stage::Hub,
        operation: Operation::Disclose,
        recipient: Some("wgb:05315000-wohnungsamt".into()),
        disclosed_attributes: vec![
            "grundpersonalien.familienname".into(),
            "grundpersonalien.vornamen".into(),
            "grundpersonalien.geburtsdatum".into(),
            "anschrift.aktuell".into(),
        ],
        payload_digest: Some(audit::payload_digest(&payload)),
        subject_ref: Some(key.subject_ref(p.fldm_id.as_str())),
        outcome: Outcome {
            kind: OutcomeKind::Permitted,
            reason: None,
        },
        ..base.clone()
    };
    let denied = AuditRecord {
        operation: Operation::Disclose,
        subject_ref: Some(key.subject_ref(p.fldm_id.as_str())),
        outcome: Outcome {
            kind: OutcomeKind::Denied,
            reason: Some("purpose_not_permitted".into()),
        },
        ..base
    };
    vec![search, disclose, denied]
}

#[test]
fn no_names_birth_dates_or_streets_in_the_journal_or_its_exports() {
    let population = fldm_synth::population(150, 20_260_630);
    let mut secrets_all: Vec<String> = population.iter().flat_map(secrets).collect();
    secrets_all.retain(|s| s.chars().count() >= 3);
    secrets_all.sort();
    secrets_all.dedup();
    assert!(
        secrets_all.len() > 150,
        "the population has names, dates and streets to look for"
    );

    let dir = std::env::temp_dir().join(format!("fldm-audit-privacy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let key = PseudonymKey::from_bytes(&[0x5a; 32]).expect("key");
    let (j, _) = Journal::open(
        &dir,
        JournalOptions {
            signing_key: Some(
                SigningKey::from_pkcs8(&SigningKey::generate_pkcs8().expect("gen")).expect("key"),
            ),
            checkpoint_interval: 100,
            sync: false,
            ..Default::default()
        },
    )
    .expect("open");
    let mut n = 0;
    for p in &population {
        for r in records_for(p, n, &key) {
            j.append(&r).expect("append");
            n += 1;
        }
    }
    j.close().expect("close");

    let entries = audit::read_entries(&dir).expect("read");
    let mut jsonl = Vec::new();
    audit::export::write_jsonl(&entries, &mut jsonl).expect("jsonl");
    let mut xml = Vec::new();
    audit::export::write_xml(&entries, &mut xml).expect("xml");
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "entries.log",
            std::fs::read(dir.join(audit::ENTRIES_FILE)).expect("read"),
        ),
        (
            "checkpoints.log",
            std::fs::read(dir.join(audit::CHECKPOINTS_FILE)).expect("read"),
        ),
        ("export.jsonl", jsonl),
        ("export.xml", xml),
    ];
    for (file, data) in &files {
        let text = String::from_utf8_lossy(data);
        // The search really finds things: the fixed legal-basis text is there.
        assert!(text.contains("AZRG") || file.starts_with("checkpoints"));
        for s in &secrets_all {
            assert!(
                !text.contains(s.as_str()),
                "{file} contains personal data of the synthetic population"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
