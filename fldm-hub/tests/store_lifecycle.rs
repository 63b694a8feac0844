//! Tests of the record life cycle in the hub store: bulk import (upsert by
//! the owner's key), deletion with tombstones and secure delete, merging of
//! duplicates, and the migration of a version-1 database.

use std::path::{Path, PathBuf};

use fldm_core::attribute::AttributeSet;
use fldm_core::codec::import::person_from_import_json;
use fldm_core::codec::json::person_to_json;
use fldm_core::ids::{Aktenzeichen, AzrNummer, FldmId};
use fldm_core::lifecycle::{DeletionReason, OwnerKey};
use fldm_core::record::Person;
use fldm_core::wire::ImportRefusal;
use fldm_hub::store::{
    IdempotentOutcome, ImportApplied, NewId, Store, StoreError, StoreOptions, StoredResponse,
};

const ABH: &str = "abh-koeln";
const OTHER_ABH: &str = "abh-bonn";

fn options() -> StoreOptions {
    StoreOptions {
        search_keys: Some(fldm_core::matching::blocking_keys),
        ..StoreOptions::default()
    }
}

fn temp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("hub.sqlite");
    (dir, db)
}

fn open(db: &Path) -> Store {
    Store::open(db, options()).expect("open store")
}

/// An import record (no FLDM id, as an owner's procedure sends it).
fn rec(azr: Option<&str>, az: Option<&str>, familienname: &str) -> Person {
    rec_with(azr, az, familienname, "")
}

/// Like [`rec`], with extra top-level JSON members (`,"asyl":{...}`).
fn rec_with(azr: Option<&str>, az: Option<&str>, familienname: &str, extra: &str) -> Person {
    let mut members = Vec::new();
    if let Some(a) = azr {
        members.push(format!(r#""azr_nummer":"{a}""#));
    }
    if let Some(a) = az {
        members.push(format!(r#""aktenzeichen":"{a}""#));
    }
    members.push(format!(
        r#""grundpersonalien":{{"familienname":"{familienname}","vornamen":"Rana","geburtsdatum":"1990-03-01","geschlecht":"w","staatsangehoerigkeiten":["475"]}}"#
    ));
    let text = format!("{{{}{extra}}}", members.join(","));
    person_from_import_json(&text).expect("valid test record")
}

fn all() -> AttributeSet {
    AttributeSet::all()
}

fn set(names: &[&str]) -> AttributeSet {
    AttributeSet::from_names("test", names).expect("attribute names")
}

fn azr(s: &str) -> AzrNummer {
    AzrNummer::parse(s).expect("AZR-Nummer")
}

fn az(s: &str) -> Aktenzeichen {
    Aktenzeichen::parse(s).expect("Aktenzeichen")
}

fn import(store: &Store, p: &Person, office: &str, writable: AttributeSet) -> ImportApplied {
    store
        .write(|tx| tx.import_one(p, office, writable))
        .expect("import")
}

fn created_id(a: &ImportApplied) -> FldmId {
    match a {
        ImportApplied::Created(r) => r.person.fldm_id.clone(),
        other => panic!("expected created, got {:?}", other.outcome()),
    }
}

fn count_rows(db: &Path, table: &str, fldm_id: &str) -> i64 {
    let c = rusqlite::Connection::open(db).expect("raw connection");
    let sql = match table {
        "idempotency" => "SELECT COUNT(*) FROM idempotency WHERE instr(body, ?1) > 0".to_string(),
        _ => format!("SELECT COUNT(*) FROM {table} WHERE fldm_id = ?1"),
    };
    c.query_row(&sql, [fldm_id], |r| r.get(0)).expect("count")
}

#[test]
fn import_creates_updates_and_leaves_unchanged_records() {
    let (_dir, db) = temp();
    let store = open(&db);

    // Unknown key: created with an id the hub assigns.
    let first = rec(Some("230517000123"), None, "Haddad");
    let applied = import(&store, &first, ABH, all());
    let id = created_id(&applied);
    assert_ne!(id, first.fldm_id, "the input's id is not kept");
    let stored = store.get(&id).expect("get");
    assert_eq!(stored.version, 1);
    assert_eq!(stored.owner_office, ABH);
    assert_eq!(store.latest_seq().expect("seq"), 1);

    // The same record again: nothing written, no change entry.
    let again = import(&store, &first, ABH, all());
    assert_eq!(again, ImportApplied::Unchanged(stored.clone()));
    assert_eq!(store.latest_seq().expect("seq"), 1);
    assert_eq!(store.get(&id).expect("get").version, 1);

    // A changed value: one change entry naming exactly what changed.
    let renamed = rec(Some("230517000123"), None, "Hadad");
    match import(&store, &renamed, ABH, all()) {
        ImportApplied::Updated { record, changed } => {
            assert_eq!(record.person.fldm_id, id);
            assert_eq!(record.version, 2);
            assert_eq!(changed, set(&["grundpersonalien.familienname"]));
        }
        other => panic!("expected updated, got {other:?}"),
    }
    let feed = store.changes_since(0, 100).expect("feed").changes;
    assert_eq!(feed.len(), 2);
    assert_eq!(feed[1].changed, set(&["grundpersonalien.familienname"]));
    assert_eq!(feed[1].version, 2);
    assert_eq!(store.count().expect("count"), 1);

    // Attributes of the writable set that the input lacks are removed;
    // attributes outside it stay as stored.
    let with_contact = rec_with(
        Some("230517000123"),
        None,
        "Hadad",
        r#","asyl":{"kontakt":{"telefon":"+49 221 1234567"}},"aufenthalt":{"einreisedatum":"2015-10-02"}"#,
    );
    import(&store, &with_contact, ABH, all());
    let without = rec(Some("230517000123"), None, "Hadad");
    match import(&store, &without, ABH, set(&["grundpersonalien", "asyl"])) {
        ImportApplied::Updated { record, changed } => {
            assert_eq!(changed, set(&["asyl.kontakt"]));
            assert!(record.person.asyl.kontakt.is_none());
            assert!(record.person.aufenthalt.einreisedatum.is_some());
        }
        other => panic!("expected updated, got {other:?}"),
    }
}

#[test]
fn an_aktenzeichen_keyed_record_takes_its_new_azr_nummer() {
    let (_dir, db) = temp();
    let store = open(&db);
    let by_az = rec(None, Some("ABH-2024/0815"), "Nasser");
    let id = created_id(&import(&store, &by_az, ABH, all()));
    assert_eq!(
        store
            .get_by_aktenzeichen(ABH, &az("ABH-2024/0815"))
            .expect("by Aktenzeichen")
            .person
            .fldm_id,
        id
    );
    // The Aktenzeichen is unique per owner only.
    assert!(matches!(
        store.get_by_aktenzeichen(OTHER_ABH, &az("ABH-2024/0815")),
        Err(StoreError::NotFound { .. })
    ));

    // The AZR-Nummer became known: the same record, now with both keys.
    let with_azr = rec(Some("240101000042"), Some("ABH-2024/0815"), "Nasser");
    match import(&store, &with_azr, ABH, all()) {
        ImportApplied::Updated { record, changed } => {
            assert_eq!(record.person.fldm_id, id);
            assert_eq!(changed, set(&["azr_nummer"]));
        }
        other => panic!("expected updated, got {other:?}"),
    }
    assert_eq!(
        store
            .get_by_azr(&azr("240101000042"))
            .expect("by AZR")
            .person
            .fldm_id,
        id
    );
    // From now on the AZR-Nummer finds it, whatever the Aktenzeichen.
    let renumbered = rec(Some("240101000042"), Some("ABH-2025/0001"), "Nasser");
    match import(&store, &renumbered, ABH, all()) {
        ImportApplied::Updated { record, changed } => {
            assert_eq!(record.person.fldm_id, id);
            assert_eq!(changed, set(&["aktenzeichen"]));
        }
        other => panic!("expected updated, got {other:?}"),
    }
    assert!(
        store
            .get_by_aktenzeichen(ABH, &az("ABH-2024/0815"))
            .is_err()
    );
    assert_eq!(store.count().expect("count"), 1);
    assert_eq!(
        store.owned(ABH).expect("owned"),
        vec![(id, Some(OwnerKey::AzrNummer(azr("240101000042"))))]
    );
}

#[test]
fn import_refusals_write_nothing() {
    let (_dir, db) = temp();
    let store = open(&db);
    let a = created_id(&import(
        &store,
        &rec(Some("230517000001"), Some("AZ-1"), "Haddad"),
        ABH,
        all(),
    ));
    created_id(&import(
        &store,
        &rec(Some("230517000002"), Some("AZ-2"), "Nasser"),
        ABH,
        all(),
    ));
    created_id(&import(
        &store,
        &rec(Some("230517000003"), None, "Yilmaz"),
        OTHER_ABH,
        all(),
    ));
    let seq = store.latest_seq().expect("seq");
    let count = store.count().expect("count");

    let cases = [
        (
            rec(None, None, "Haddad"),
            "azr_nummer",
            ImportRefusal::MissingKey,
        ),
        (
            rec(Some("230517000001"), Some("AZ-2"), "Haddad"),
            "aktenzeichen",
            ImportRefusal::KeyConflict,
        ),
        (
            rec(Some("230517000003"), None, "Yilmaz"),
            "azr_nummer",
            ImportRefusal::NotOwner,
        ),
        (
            rec(Some("230517000003"), Some("AZ-9"), "Yilmaz"),
            "azr_nummer",
            ImportRefusal::NotOwner,
        ),
    ];
    for (p, field, reason) in cases {
        let got = import(&store, &p, ABH, all());
        assert_eq!(got, ImportApplied::Refused { field, reason });
        assert_eq!(got.outcome(), fldm_core::wire::ImportOutcome::Refused);
        assert!(got.record().is_none());
    }
    // The AZR-Nummer of another office's record with an Aktenzeichen of our
    // own record: two different records.
    let got = import(
        &store,
        &rec(Some("230517000003"), Some("AZ-1"), "Haddad"),
        ABH,
        all(),
    );
    assert_eq!(
        got,
        ImportApplied::Refused {
            field: "aktenzeichen",
            reason: ImportRefusal::KeyConflict
        }
    );

    // An invalid record is an error naming the field (the caller refuses it).
    let mut invalid = rec(Some("230517000009"), None, "Haddad");
    invalid
        .asyl
        .familienangehoerige
        .push(fldm_core::record::Familienangehoeriger {
            beziehung: fldm_core::codes::Beziehung::Kind,
            fldm_id: None,
            familienname: None,
            vornamen: None,
        });
    match store.write(|tx| tx.import_one(&invalid, ABH, all())) {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.field(), Some("asyl.familienangehoerige[0]"));
        }
        other => panic!("expected invalid, got {other:?}"),
    }

    assert_eq!(store.latest_seq().expect("seq"), seq);
    assert_eq!(store.count().expect("count"), count);
    assert_eq!(store.get(&a).expect("a").version, 1);
}

#[test]
fn a_batch_that_fails_midway_writes_nothing() {
    let (_dir, db) = temp();
    let store = open(&db);
    let batch: Vec<Person> = (0..5)
        .map(|i| rec(Some(&format!("2305170001{i:02}")), None, "Haddad"))
        .collect();
    let failed: Result<(), StoreError> = store.write(|tx| {
        for (i, p) in batch.iter().enumerate() {
            tx.import_one(p, ABH, all())?;
            if i == 2 {
                return Err(StoreError::Inconsistent("forced failure"));
            }
        }
        Ok(())
    });
    assert!(failed.is_err());
    assert_eq!(store.count().expect("count"), 0);
    assert_eq!(store.latest_seq().expect("seq"), 0);
    assert!(store.get_by_azr(&azr("230517000100")).is_err());

    // The same batch without the failure: all of it, in one transaction.
    let outcomes = store
        .write(|tx| {
            batch
                .iter()
                .map(|p| tx.import_one(p, ABH, all()))
                .collect::<Result<Vec<_>, _>>()
        })
        .expect("batch");
    assert_eq!(outcomes.len(), 5);
    assert_eq!(store.count().expect("count"), 5);
    assert_eq!(store.changes_since(0, 100).expect("feed").changes.len(), 5);
}

#[test]
fn delete_removes_the_person_and_everything_about_it() {
    let (_dir, db) = temp();
    let store = open(&db);
    let keep = store
        .create(
            &rec(Some("230517000002"), None, "Nasser"),
            NewId::Assign,
            ABH,
        )
        .expect("create")
        .person
        .fldm_id;
    // Created through an idempotent request whose stored response repeats
    // the record.
    let outcome = store
        .idempotent(ABH, "key-1", [1; 32], |tx| {
            let r = tx.create(
                &rec(Some("230517000001"), None, "Haddad"),
                NewId::Assign,
                ABH,
            )?;
            Ok::<_, StoreError>(StoredResponse {
                status: 201,
                body: person_to_json(&r.person).into_bytes(),
            })
        })
        .expect("idempotent create");
    let body = String::from_utf8(outcome.response().body.clone()).expect("utf-8");
    let gone = store
        .get_by_azr(&azr("230517000001"))
        .expect("created")
        .person
        .fldm_id;
    assert!(body.contains(gone.as_str()));
    store
        .idempotent("wohnungsamt", "key-2", [2; 32], |tx| {
            let mut patch = Person::new(gone.clone());
            patch.asyl.kontakt = rec_with(
                None,
                None,
                "x",
                r#","asyl":{"kontakt":{"telefon":"+49 221 1234567"}}"#,
            )
            .asyl
            .kontakt;
            tx.update(&gone, &patch, set(&["asyl.kontakt"]), None, "wohnungsamt")?;
            Ok::<_, StoreError>(StoredResponse {
                status: 200,
                body: format!("{{\"fldm_id\":\"{gone}\"}}").into_bytes(),
            })
        })
        .expect("update");
    store
        .report_correction(
            &gone,
            "jugendamt",
            &["grundpersonalien.familienname".to_string()],
            "Schreibweise prüfen",
            "req-1",
        )
        .expect("correction");
    store
        .report_correction(
            &keep,
            "jugendamt",
            &["grundpersonalien.vornamen".to_string()],
            "Schreibweise prüfen",
            "req-2",
        )
        .expect("correction");
    let tables = [
        "persons",
        "search_keys",
        "corrections",
        "changes",
        "idempotency",
    ];
    for t in tables {
        assert!(count_rows(&db, t, gone.as_str()) > 0, "{t} before deletion");
    }
    let kept_before: Vec<i64> = tables
        .iter()
        .map(|t| count_rows(&db, t, keep.as_str()))
        .collect();

    // Only the owner deletes; nothing changes otherwise.
    assert!(matches!(
        store.delete(&gone, DeletionReason::Wegzug, None, "wohnungsamt"),
        Err(StoreError::NotOwner)
    ));
    assert!(store.get(&gone).is_ok());

    let seq_before = store.latest_seq().expect("seq");
    let d = store
        .delete(&gone, DeletionReason::Wegzug, None, ABH)
        .expect("delete");
    assert_eq!(d.fldm_id, gone);
    assert_eq!(d.reason, DeletionReason::Wegzug);
    assert_eq!(d.merged_into, None);
    assert!(d.seq > seq_before);
    assert_eq!(store.latest_seq().expect("seq"), d.seq);

    assert!(matches!(store.get(&gone), Err(StoreError::NotFound { .. })));
    assert!(store.get_by_azr(&azr("230517000001")).is_err());
    for t in ["persons", "search_keys", "corrections", "idempotency"] {
        assert_eq!(count_rows(&db, t, gone.as_str()), 0, "{t} after deletion");
    }
    // Of the change feed only the tombstone is left.
    assert_eq!(count_rows(&db, "changes", gone.as_str()), 1);
    let history = store.history(&gone).expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].deleted.as_ref(), Some(&d));
    assert!(history[0].current.is_none());
    assert_eq!(history[0].office, ABH);
    assert_eq!(history[0].version, 2, "the last version of the record");
    // The other person is untouched.
    let kept_after: Vec<i64> = tables
        .iter()
        .map(|t| count_rows(&db, t, keep.as_str()))
        .collect();
    assert_eq!(kept_before, kept_after);
    assert_eq!(store.count().expect("count"), 1);
    assert!(store.check_integrity().expect("integrity").is_empty());

    // The retried create runs again (its stored response is gone).
    let retried = store
        .idempotent(ABH, "key-1", [1; 32], |_| {
            Ok::<_, StoreError>(StoredResponse {
                status: 201,
                body: b"again".to_vec(),
            })
        })
        .expect("retry");
    assert!(matches!(retried, IdempotentOutcome::Applied(_)));

    // Deleting again: not found. The tombstone as the protocol carries it.
    assert!(matches!(
        store.delete(&gone, DeletionReason::Wegzug, None, ABH),
        Err(StoreError::NotFound { .. })
    ));
    let t = d.tombstone();
    assert_eq!(t.reason, DeletionReason::Wegzug);
    assert_eq!(t.at.len(), "2026-12-03T10:00:00.000Z".len());
    assert!(t.at.ends_with('Z'));
    assert_eq!(t.merged_into, None);
}

#[test]
fn delete_checks_merged_into() {
    let (_dir, db) = temp();
    let store = open(&db);
    let a = created_id(&import(
        &store,
        &rec(Some("230517000001"), None, "A"),
        ABH,
        all(),
    ));
    let unknown = FldmId::parse("P0000UNKNOWN").expect("id");
    for m in [&a, &unknown] {
        match store.delete(&a, DeletionReason::Doppelerfassung, Some(m), ABH) {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field(), Some("merged_into")),
            other => panic!("expected invalid, got {other:?}"),
        }
    }
    assert!(store.get(&a).is_ok());
}

/// Every byte of the database file, its WAL and its shared-memory index.
fn file_bytes(db: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            let bytes = std::fs::read(PathBuf::from(&p)).unwrap_or_default();
            (format!("hub.sqlite{suffix}"), bytes)
        })
        .collect()
}

fn files_containing(db: &Path, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, bytes) in file_bytes(db) {
        for n in needles {
            if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                found.push(format!("{name}: {n}"));
            }
        }
    }
    found
}

#[test]
fn deleted_bytes_leave_the_database_files() {
    const NAME: &str = "Zzyzxquorth";
    let needles = [NAME, "zzyzxquorth", "ZZYZXQUORTH"];
    let (_dir, db) = temp();
    let store = open(&db);
    // Other persons around them, so the deleted rows share pages with rows
    // that stay.
    let others: Vec<Person> = fldm_synth::population(200, 7)
        .into_iter()
        .filter(|p| {
            p.grundpersonalien
                .familienname
                .as_ref()
                .and_then(|n| n.wert())
                .is_some_and(|n| !n.contains(NAME))
        })
        .collect();
    let n_others = others.len();
    store.seed(others, ABH).expect("seed");
    let mut ids = Vec::new();
    for i in 0..3 {
        let p = rec(Some(&format!("2305170009{i:02}")), None, NAME);
        let outcome = store
            .idempotent(ABH, &format!("create-{i}"), [i; 32], |tx| {
                let r = tx.create(&p, NewId::Assign, ABH)?;
                Ok::<_, StoreError>(StoredResponse {
                    status: 201,
                    body: person_to_json(&r.person).into_bytes(),
                })
            })
            .expect("create");
        let body = String::from_utf8(outcome.response().body.clone()).expect("utf-8");
        let id = store
            .get_by_azr(&azr(&format!("2305170009{i:02}")))
            .expect("get")
            .person
            .fldm_id;
        assert!(body.contains(NAME));
        ids.push(id);
    }
    // A change of one of them and a correction whose note names it.
    let mut renamed = rec(None, None, &format!("{NAME}-Haddad"));
    renamed.fldm_id = ids[0].clone();
    store
        .update(
            &ids[0],
            &renamed,
            set(&["grundpersonalien.familienname"]),
            None,
            ABH,
        )
        .expect("update");
    store
        .report_correction(
            &ids[1],
            "jugendamt",
            &["grundpersonalien.familienname".to_string()],
            &format!("Schreibweise {NAME} prüfen"),
            "req-1",
        )
        .expect("correction");
    for id in &ids {
        let got = store.get(id).expect("read back");
        let name = got.person.grundpersonalien.familienname.expect("name");
        assert!(name.wert().is_some_and(|n| n.contains(NAME)));
    }

    // Control: the scan finds the name while the persons are stored.
    assert!(
        !files_containing(&db, &needles).is_empty(),
        "the scan must find the stored name"
    );

    for id in &ids {
        store
            .delete(id, DeletionReason::Berichtigung, None, ABH)
            .expect("delete");
    }
    let found = files_containing(&db, &needles);
    assert!(found.is_empty(), "deleted name still in {found:?}");
    // The store works on, and the other persons are intact.
    assert_eq!(store.count().expect("count"), n_others as u64);
    assert!(store.check_integrity().expect("integrity").is_empty());
    drop(store);
    let store = open(&db);
    assert!(store.get(&ids[0]).is_err());
    let found = files_containing(&db, &needles);
    assert!(
        found.is_empty(),
        "deleted name still in {found:?} after reopening"
    );
}

#[test]
fn merge_relinks_family_and_leaves_a_tombstone() {
    let (_dir, db) = temp();
    let store = open(&db);
    let survivor = created_id(&import(
        &store,
        &rec(Some("230517000001"), None, "Haddad"),
        ABH,
        all(),
    ));
    let duplicate = created_id(&import(
        &store,
        &rec(None, Some("AZ-DUP"), "Hadad"),
        ABH,
        all(),
    ));
    // The survivor names the duplicate as a sibling (the same person).
    let mut s = store.get(&survivor).expect("survivor").person;
    s.asyl.familienangehoerige = links(&[("geschwister", &duplicate)]);
    store
        .update(&survivor, &s, set(&["asyl.familienangehoerige"]), None, ABH)
        .expect("link");
    // A child of the duplicate, owned by the same office.
    let child = store
        .create(
            &rec_with(
                Some("230517000003"),
                None,
                "Haddad",
                &format!(
                    r#","asyl":{{"familienangehoerige":[{{"beziehung":"elternteil","fldm_id":"{duplicate}"}},{{"beziehung":"geschwister","familienname":"Haddad"}}]}}"#
                ),
            ),
            NewId::Assign,
            ABH,
        )
        .expect("child")
        .person
        .fldm_id;
    // A spouse recorded by another office, linked to both records.
    let spouse = store
        .create(
            &rec_with(
                Some("230517000004"),
                None,
                "Haddad",
                &format!(
                    r#","asyl":{{"familienangehoerige":[{{"beziehung":"ehegatte","fldm_id":"{duplicate}"}},{{"beziehung":"ehegatte","fldm_id":"{survivor}"}}]}}"#
                ),
            ),
            NewId::Assign,
            OTHER_ABH,
        )
        .expect("spouse")
        .person
        .fldm_id;
    let unrelated = created_id(&import(
        &store,
        &rec(Some("230517000005"), None, "Nasser"),
        ABH,
        all(),
    ));

    // Refusals first: nothing changes.
    match store.merge(&survivor, &survivor, ABH) {
        Err(StoreError::Invalid(e)) => assert_eq!(e.field(), Some("duplicate")),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert!(matches!(
        store.merge(&survivor, &duplicate, OTHER_ABH),
        Err(StoreError::NotOwner)
    ));
    assert!(matches!(
        store.merge(&survivor, &spouse, ABH),
        Err(StoreError::NotOwner)
    ));
    let unknown = FldmId::parse("P0000UNKNOWN").expect("id");
    assert!(matches!(
        store.merge(&survivor, &unknown, ABH),
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.get(&duplicate).is_ok());
    let seq = store.latest_seq().expect("seq");

    let (kept, deletion) = store.merge(&survivor, &duplicate, ABH).expect("merge");
    assert_eq!(kept.person.fldm_id, survivor);
    assert!(kept.person.asyl.familienangehoerige.is_empty());
    assert_eq!(kept, store.get(&survivor).expect("survivor"));
    assert_eq!(deletion.fldm_id, duplicate);
    assert_eq!(deletion.reason, DeletionReason::Doppelerfassung);
    assert_eq!(deletion.merged_into.as_ref(), Some(&survivor));
    assert!(matches!(
        store.get(&duplicate),
        Err(StoreError::NotFound { .. })
    ));

    let c = store.get(&child).expect("child").person;
    assert_eq!(
        c.asyl.familienangehoerige[0].fldm_id.as_ref(),
        Some(&survivor)
    );
    assert_eq!(c.asyl.familienangehoerige.len(), 2);
    let sp = store.get(&spouse).expect("spouse");
    assert_eq!(
        sp.person.asyl.familienangehoerige,
        links(&[("ehegatte", &survivor)])
    );
    assert_eq!(sp.owner_office, OTHER_ABH);
    assert_eq!(store.get(&unrelated).expect("unrelated").version, 1);

    // The feed: one change per relinked record, then the tombstone.
    let feed = store.changes_since(seq, 100).expect("feed").changes;
    let summary: Vec<(FldmId, bool)> = feed
        .iter()
        .map(|c| (c.fldm_id.clone(), c.deleted.is_some()))
        .collect();
    let mut relinked: Vec<FldmId> = vec![survivor.clone(), child.clone(), spouse.clone()];
    relinked.sort();
    let mut expected: Vec<(FldmId, bool)> = relinked.into_iter().map(|id| (id, false)).collect();
    expected.push((duplicate.clone(), true));
    assert_eq!(summary, expected);
    for c in &feed[..3] {
        assert_eq!(c.changed, set(&["asyl.familienangehoerige"]));
        assert_eq!(c.office, ABH);
    }
    let tomb = feed[3].deleted.as_ref().expect("tombstone");
    assert_eq!(tomb, &deletion);
    assert_eq!(
        tomb.tombstone().merged_into.as_deref(),
        Some(survivor.as_str())
    );
}

fn links(list: &[(&str, &FldmId)]) -> Vec<fldm_core::record::Familienangehoeriger> {
    let json: Vec<String> = list
        .iter()
        .map(|(b, id)| format!(r#"{{"beziehung":"{b}","fldm_id":"{id}"}}"#))
        .collect();
    rec_with(
        None,
        None,
        "x",
        &format!(r#","asyl":{{"familienangehoerige":[{}]}}"#, json.join(",")),
    )
    .asyl
    .familienangehoerige
}

#[test]
fn tombstones_appear_in_feed_order() {
    let (_dir, db) = temp();
    let store = open(&db);
    let a = created_id(&import(
        &store,
        &rec(Some("230517000001"), None, "A"),
        ABH,
        all(),
    ));
    let b = created_id(&import(
        &store,
        &rec(Some("230517000002"), None, "B"),
        ABH,
        all(),
    ));
    import(&store, &rec(Some("230517000001"), None, "Aa"), ABH, all());
    let db_ = store
        .delete(&b, DeletionReason::Ausreise, None, ABH)
        .expect("delete b");
    let c = created_id(&import(
        &store,
        &rec(Some("230517000003"), None, "C"),
        ABH,
        all(),
    ));
    let da = store
        .delete(&a, DeletionReason::Tod, None, ABH)
        .expect("delete a");

    // Entries of deleted persons are gone but for their tombstones; seq
    // only grows.
    let feed = store.changes_since(0, 100).expect("feed").changes;
    let kinds: Vec<(FldmId, Option<DeletionReason>)> = feed
        .iter()
        .map(|ch| (ch.fldm_id.clone(), ch.deleted.as_ref().map(|d| d.reason)))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (b.clone(), Some(DeletionReason::Ausreise)),
            (c.clone(), None),
            (a.clone(), Some(DeletionReason::Tod)),
        ]
    );
    assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(feed[0].seq, db_.seq);
    assert_eq!(feed[2].seq, da.seq);
    for ch in &feed {
        assert_eq!(ch.current.is_some(), ch.deleted.is_none());
        if ch.deleted.is_some() {
            assert!(ch.changed.is_empty());
        }
    }
    // Paging with a cursor passes the tombstones like any entry.
    let first = store.changes_since(0, 1).expect("page");
    assert_eq!(first.changes[0].fldm_id, b);
    let rest = store.changes_since(first.next_cursor, 10).expect("page");
    assert_eq!(rest.changes.len(), 2);
    assert_eq!(rest.next_cursor, da.seq);
    assert_eq!(store.latest_seq().expect("seq"), da.seq);
}

#[test]
fn owned_and_persons_after_list_the_stock() {
    let (_dir, db) = temp();
    let store = open(&db);
    let a = created_id(&import(
        &store,
        &rec(Some("230517000001"), None, "A"),
        ABH,
        all(),
    ));
    let b = created_id(&import(&store, &rec(None, Some("AZ-B"), "B"), ABH, all()));
    let c = store
        .create(&rec(None, None, "C"), NewId::Assign, ABH)
        .expect("create")
        .person
        .fldm_id;
    created_id(&import(
        &store,
        &rec(Some("230517000004"), None, "D"),
        OTHER_ABH,
        all(),
    ));
    let mut expected = vec![
        (a.clone(), Some(OwnerKey::AzrNummer(azr("230517000001")))),
        (b.clone(), Some(OwnerKey::Aktenzeichen(az("AZ-B")))),
        (c.clone(), None),
    ];
    expected.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(store.owned(ABH).expect("owned"), expected);
    assert!(store.owned("niemand").expect("owned").is_empty());

    let mut seen = Vec::new();
    let mut after: Option<FldmId> = None;
    loop {
        let page = store.persons_after(after.as_ref(), 3).expect("page");
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        after = page.last().map(|r| r.person.fldm_id.clone());
        seen.extend(page.into_iter().map(|r| r.person.fldm_id));
    }
    assert_eq!(seen.len(), 4);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn an_aktenzeichen_is_unique_per_owner() {
    let (_dir, db) = temp();
    let store = open(&db);
    store
        .create(&rec(None, Some("AZ-1"), "A"), NewId::Assign, ABH)
        .expect("create");
    assert!(matches!(
        store.create(&rec(None, Some("AZ-1"), "B"), NewId::Assign, ABH),
        Err(StoreError::DuplicateAktenzeichen)
    ));
    store
        .create(&rec(None, Some("AZ-1"), "B"), NewId::Assign, OTHER_ABH)
        .expect("another owner may use it");
    let mut seeded = rec(None, Some("AZ-1"), "C");
    seeded.fldm_id = FldmId::parse("P0000SEEDED1").expect("id");
    match store.seed([seeded], ABH) {
        Err(StoreError::Record { index: 0, source }) => {
            assert!(matches!(*source, StoreError::DuplicateAktenzeichen));
        }
        other => panic!("expected duplicate, got {other:?}"),
    }
    // An update that would take another record's Aktenzeichen.
    let other = store
        .create(&rec(None, Some("AZ-2"), "D"), NewId::Assign, ABH)
        .expect("create")
        .person
        .fldm_id;
    assert!(matches!(
        store.update(
            &other,
            &rec(None, Some("AZ-1"), "D"),
            set(&["aktenzeichen"]),
            None,
            ABH
        ),
        Err(StoreError::DuplicateAktenzeichen)
    ));
}

/// The schema of version 1, as published.
const MIGRATION_1: &str = r#"
CREATE TABLE persons (
    fldm_id      TEXT PRIMARY KEY NOT NULL,
    azr_nummer   TEXT UNIQUE,
    record       TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 1),
    owner_office TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE changes (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    fldm_id         TEXT NOT NULL REFERENCES persons (fldm_id),
    changed         INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    office          TEXT NOT NULL,
    idempotency_key TEXT,
    at              INTEGER NOT NULL
) STRICT;
CREATE INDEX changes_by_person ON changes (fldm_id, seq);

CREATE TABLE idempotency (
    office     TEXT NOT NULL,
    key        TEXT NOT NULL,
    digest     BLOB NOT NULL CHECK (length(digest) = 32),
    status     INTEGER NOT NULL,
    body       BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (office, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_by_age ON idempotency (created_at);

CREATE TABLE corrections (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    fldm_id      TEXT NOT NULL REFERENCES persons (fldm_id),
    owner_office TEXT NOT NULL,
    reported_by  TEXT NOT NULL,
    attributes   INTEGER NOT NULL,
    note         TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
    decided_by   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX corrections_by_owner ON corrections (owner_office, status, id);
CREATE INDEX corrections_by_person ON corrections (fldm_id);

CREATE TABLE search_keys (
    key     TEXT NOT NULL,
    fldm_id TEXT NOT NULL REFERENCES persons (fldm_id),
    PRIMARY KEY (key, fldm_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX search_keys_by_person ON search_keys (fldm_id);
"#;

#[test]
fn a_version_1_database_is_migrated() {
    let (_dir, db) = temp();
    let mut p1 = rec(Some("230517000001"), None, "Haddad");
    p1.fldm_id = FldmId::parse("P1").expect("id");
    // A row whose JSON carries an Aktenzeichen: the migration fills the
    // new column from it.
    let mut p2 = rec(None, Some("AZ-7"), "Nasser");
    p2.fldm_id = FldmId::parse("P2").expect("id");
    {
        let c = rusqlite::Connection::open(&db).expect("raw connection");
        c.pragma_update(None, "journal_mode", "WAL").expect("wal");
        c.execute_batch(
            "CREATE TABLE schema_version (
                version    INTEGER PRIMARY KEY NOT NULL,
                applied_at INTEGER NOT NULL
            ) STRICT;",
        )
        .expect("schema_version");
        c.execute_batch(MIGRATION_1).expect("version 1");
        c.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (1, 0)",
            [],
        )
        .expect("version row");
        for p in [&p1, &p2] {
            c.execute(
                "INSERT INTO persons VALUES (?1, ?2, ?3, 1, 'abh-koeln', 1000, 1000)",
                rusqlite::params![
                    p.fldm_id.as_str(),
                    p.azr_nummer.as_ref().map(AzrNummer::as_str),
                    person_to_json(p)
                ],
            )
            .expect("person");
        }
        for (id, at) in [("P1", 1000), ("P2", 1001), ("P1", 1002), ("P1", 1003)] {
            c.execute(
                "INSERT INTO changes (fldm_id, changed, version, office, idempotency_key, at)
                 VALUES (?1, 1, 1, 'abh-koeln', NULL, ?2)",
                rusqlite::params![id, at],
            )
            .expect("change");
        }
        // The newest entry is gone; its seq must never come back.
        c.execute("DELETE FROM changes WHERE seq = 4", [])
            .expect("delete change");
        c.execute(
            "INSERT INTO corrections (fldm_id, owner_office, reported_by, attributes, note,
                                      request_id, status, decided_by, created_at, updated_at)
             VALUES ('P1', 'abh-koeln', 'jugendamt', 1, 'Notiz', 'req-1', 'open', NULL, 1, 1)",
            [],
        )
        .expect("correction");
        c.execute("INSERT INTO search_keys VALUES ('k1', 'P1')", [])
            .expect("key");
    }

    let store = open(&db);
    assert_eq!(store.schema_version().expect("version"), 2);
    assert_eq!(store.get(&p1.fldm_id).expect("P1").person, p1);
    assert_eq!(
        store
            .get_by_aktenzeichen(ABH, &az("AZ-7"))
            .expect("filled from the record")
            .person,
        p2
    );
    let feed = store.changes_since(0, 100).expect("feed").changes;
    assert_eq!(
        feed.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(feed.iter().all(|c| c.current.is_some()));
    assert_eq!(
        store.corrections_for_owner(ABH, None).expect("corr").len(),
        1
    );
    assert_eq!(
        store.search_keys_of(&p1.fldm_id).expect("keys"),
        vec!["k1".to_string()]
    );
    assert!(store.check_integrity().expect("integrity").is_empty());

    // New entries continue after the highest seq ever used.
    let mut renamed = p1.clone();
    renamed.grundpersonalien.familienname = rec(None, None, "Hadad").grundpersonalien.familienname;
    store
        .update(
            &p1.fldm_id,
            &renamed,
            set(&["grundpersonalien.familienname"]),
            None,
            ABH,
        )
        .expect("update");
    assert_eq!(store.latest_seq().expect("seq"), 5);
    // Deletion works on migrated data and leaves a tombstone.
    let d = store
        .delete(&p1.fldm_id, DeletionReason::Frist, None, ABH)
        .expect("delete");
    assert_eq!(d.seq, 6);
    assert!(store.check_integrity().expect("integrity").is_empty());
    // Opening again applies nothing more.
    drop(store);
    let store = open(&db);
    assert_eq!(store.schema_version().expect("version"), 2);
    assert_eq!(store.latest_seq().expect("seq"), 6);
}

/// Import speed of the store alone, against `seed` of the same records in
/// the same process: `cargo test -p fldm-hub --release --test
/// store_lifecycle -- --ignored --nocapture import_speed`.
#[test]
#[ignore = "measurement; prints figures, asserts nothing about time"]
fn import_speed() {
    use std::time::Instant;
    let n: usize = std::env::var("FLDM_IMPORT_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let mut persons = fldm_synth::population(n, 2026);
    for (i, p) in persons.iter_mut().enumerate() {
        if p.azr_nummer.is_none() {
            p.aktenzeichen = Some(az(&format!("AZ-{i}")));
        }
    }
    let start = Instant::now();
    let keys: usize = persons
        .iter()
        .map(|p| fldm_core::matching::blocking_keys(p).len())
        .sum();
    let t = start.elapsed();
    println!(
        "search keys alone: {keys} keys, {:.1} µs/record",
        t.as_secs_f64() * 1e6 / n as f64
    );
    let start = Instant::now();
    let texts: Vec<String> = persons.iter().map(person_to_json).collect();
    let t = start.elapsed();
    println!(
        "JSON encoding alone: {:.1} µs/record",
        t.as_secs_f64() * 1e6 / n as f64
    );
    let start = Instant::now();
    for text in &texts {
        std::hint::black_box(fldm_core::codec::json::person_from_own_json(text).expect("decode"));
    }
    let t = start.elapsed();
    println!(
        "JSON decoding alone: {:.1} µs/record",
        t.as_secs_f64() * 1e6 / n as f64
    );
    let keyless = StoreOptions {
        search_keys: None,
        ..StoreOptions::default()
    };
    let opts = if std::env::var_os("FLDM_IMPORT_NO_KEYS").is_some() {
        println!("without search keys");
        keyless
    } else {
        options()
    };
    let (_dir, db) = temp();
    let seeded = Store::open(db.with_file_name("seed.sqlite"), opts.clone()).expect("open");
    let start = Instant::now();
    seeded.seed(persons.clone(), ABH).expect("seed");
    let seed_time = start.elapsed();

    let store = Store::open(&db, opts).expect("open");
    let run = |label: &str| {
        let start = Instant::now();
        let mut counts = [0usize; 4];
        for chunk in persons.chunks(fldm_core::wire::MAX_IMPORT_BATCH) {
            store
                .write(|tx| {
                    for p in chunk {
                        let i = match tx.import_one(p, ABH, all())? {
                            ImportApplied::Created(_) => 0,
                            ImportApplied::Updated { .. } => 1,
                            ImportApplied::Unchanged(_) => 2,
                            ImportApplied::Refused { .. } => 3,
                        };
                        counts[i] += 1;
                    }
                    Ok::<_, StoreError>(())
                })
                .expect("import");
        }
        let t = start.elapsed();
        println!(
            "{label}: {n} records in {:.3} s = {:.0} records/s, {:.1} µs/record, {:.2} x seed \
             (created {}, updated {}, unchanged {}, refused {})",
            t.as_secs_f64(),
            n as f64 / t.as_secs_f64(),
            t.as_secs_f64() * 1e6 / n as f64,
            t.as_secs_f64() / seed_time.as_secs_f64(),
            counts[0],
            counts[1],
            counts[2],
            counts[3]
        );
    };
    println!(
        "seed: {n} records in {:.3} s = {:.0} records/s, {:.1} µs/record",
        seed_time.as_secs_f64(),
        n as f64 / seed_time.as_secs_f64(),
        seed_time.as_secs_f64() * 1e6 / n as f64
    );
    run("import into an empty store");
    run("import of the same stock again");
}
