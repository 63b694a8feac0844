//! Tests of the hub store: persons, versions, AZR-Nummer uniqueness, the
//! change feed, idempotent writes, corrections, search keys, and recovery
//! from a writer process killed with SIGKILL.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use fldm_core::attribute::{self, AttributeSet};
use fldm_core::codec::json::{Strictness, person_from_json, person_to_json};
use fldm_core::ids::{AzrNummer, FldmId};
use fldm_core::record::{Anschrift, NamePart, Person, Text};
use fldm_core::text::search_form;
use fldm_hub::store::{
    CorrectionStatus, IdempotentOutcome, NewId, Store, StoreError, StoreOptions, StoredResponse,
};

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "fldm-hub-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn db(&self) -> PathBuf {
        self.0.join("hub.sqlite")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Search keys for the tests: family name and birth year.
fn test_keys(p: &Person) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(n) = p
        .grundpersonalien
        .familienname
        .as_ref()
        .and_then(|n| n.wert())
    {
        keys.push(format!("n:{}", search_form(n)));
    }
    if let Some(y) = p
        .grundpersonalien
        .geburtsdatum
        .as_ref()
        .and_then(|d| d.year())
    {
        keys.push(format!("y:{y}"));
    }
    keys
}

fn options() -> StoreOptions {
    StoreOptions {
        search_keys: Some(test_keys),
        ..StoreOptions::default()
    }
}

fn open(dir: &TempDir) -> Store {
    Store::open(dir.db(), options()).expect("open store")
}

fn person(id: &str, azr: Option<&str>, familienname: &str, year: u16) -> Person {
    let azr = azr
        .map(|a| format!(r#""azr_nummer":"{a}","#))
        .unwrap_or_default();
    person_from_json(
        &format!(
            r#"{{"fldm_id":"{id}",{azr}"grundpersonalien":{{"familienname":"{familienname}","vornamen":"Rana","geburtsdatum":"{year}-03-01","geschlecht":"w","staatsangehoerigkeiten":["475"]}}}}"#
        ),
        Strictness::Strict,
    )
    .expect("valid test person")
}

fn id(s: &str) -> FldmId {
    FldmId::parse(s).expect("id")
}

fn set(names: &[&str]) -> AttributeSet {
    AttributeSet::from_names("test", names).expect("attribute names")
}

fn address(hausnummer: &str) -> Anschrift {
    Anschrift {
        strasse: Some(Text::parse("Venloer Straße").expect("text")),
        hausnummer: Some(Text::parse(hausnummer).expect("text")),
        postleitzahl: Some(fldm_core::record::Postleitzahl::parse("50823").expect("plz")),
        ort: Some(Text::parse("Köln").expect("text")),
        ..Anschrift::default()
    }
}

fn address_patch(hausnummer: &str) -> Person {
    let mut p = Person::new(id("ignored"));
    p.anschrift.aktuell = Some(address(hausnummer));
    p
}

fn digest(text: &str) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

#[test]
fn store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Store>();
}

#[test]
fn create_get_and_count() {
    let dir = TempDir::new("crud");
    let store = open(&dir);
    assert_eq!(store.count().expect("count"), 0);

    let rec = store
        .create(
            &person("ignored", Some("230517000123"), "Haddad", 1990),
            NewId::Assign,
            "abh",
        )
        .expect("create");
    let assigned = rec.person.fldm_id.as_str().to_string();
    assert_eq!(assigned.len(), 13, "P + 12 characters: {assigned}");
    assert!(assigned.starts_with('P'));
    assert!(
        assigned[1..]
            .bytes()
            .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)),
        "{assigned}"
    );
    assert_eq!(rec.version, 1);
    assert_eq!(rec.owner_office, "abh");
    assert_eq!(rec.created_at, rec.updated_at);

    let second = store
        .create(
            &person("ignored", None, "Nasser", 1985),
            NewId::Assign,
            "abh",
        )
        .expect("create");
    assert_ne!(second.person.fldm_id, rec.person.fldm_id);

    let got = store.get(&rec.person.fldm_id).expect("get");
    assert_eq!(got, rec);
    let azr = AzrNummer::parse("230517000123").expect("azr");
    assert_eq!(store.get_by_azr(&azr).expect("by azr"), rec);
    assert_eq!(store.count().expect("count"), 2);

    let kept = store
        .create(
            &person("P-LEGACY-1", None, "Amini", 2001),
            NewId::Keep,
            "abh",
        )
        .expect("create with own id");
    assert_eq!(kept.person.fldm_id.as_str(), "P-LEGACY-1");
    let dup = store.create(
        &person("P-LEGACY-1", None, "Amini", 2001),
        NewId::Keep,
        "abh",
    );
    assert!(matches!(dup, Err(StoreError::DuplicateFldmId)), "{dup:?}");

    let missing = store.get(&id("P-NOPE"));
    assert!(
        matches!(missing, Err(StoreError::NotFound { what: "person" })),
        "{missing:?}"
    );
    let missing = store.get_by_azr(&AzrNummer::parse("240101000001").expect("azr"));
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );

    // Data survive closing and reopening.
    drop(store);
    let store = open(&dir);
    assert_eq!(store.count().expect("count"), 3);
    assert_eq!(store.get(&rec.person.fldm_id).expect("get"), rec);
    assert_eq!(store.schema_version().expect("schema"), 2);
}

#[test]
fn invalid_input_is_rejected_with_the_field() {
    let dir = TempDir::new("invalid");
    let store = open(&dir);
    let mut p = person("P1", None, "Haddad", 1990);
    p.grundpersonalien.staatsangehoerigkeiten = ["475", "423", "438", "439", "163"]
        .iter()
        .map(|c| fldm_core::codes::Staatsangehoerigkeit::parse(c).expect("code"))
        .collect();
    match store.create(&p, NewId::Keep, "abh") {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.field(), Some("grundpersonalien.staatsangehoerigkeiten"))
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    match store.create(&person("P1", None, "Haddad", 1990), NewId::Keep, "") {
        Err(StoreError::Invalid(e)) => assert_eq!(e.field(), Some("office")),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(store.count().expect("count"), 0);
}

#[test]
fn update_changes_exactly_the_given_attributes() {
    let dir = TempDir::new("update");
    let store = open(&dir);
    let p1 = id("P1");
    let mut original = person("P1", Some("230517000123"), "Haddad", 1990);
    original.anschrift.aktuell = Some(address("1"));
    store.create(&original, NewId::Keep, "abh").expect("create");

    // The patch also carries a different family name; it is outside the
    // set and must not be copied.
    let mut patch = address_patch("7a");
    patch.grundpersonalien.familienname = Some(NamePart::parse("Nasser").expect("name"));
    let rec = store
        .update(
            &p1,
            &patch,
            set(&["anschrift.aktuell"]),
            Some(1),
            "wohnungsamt",
        )
        .expect("update");
    assert_eq!(rec.version, 2);
    assert_eq!(rec.person.anschrift.aktuell, Some(address("7a")));
    assert_eq!(rec.person.grundpersonalien, original.grundpersonalien);
    assert_eq!(
        rec.owner_office, "abh",
        "an update does not change the owner"
    );
    assert_eq!(store.get(&p1).expect("get"), rec);

    // The same values again: nothing changes, no new version.
    let same = store
        .update(
            &p1,
            &patch,
            set(&["anschrift.aktuell"]),
            Some(2),
            "wohnungsamt",
        )
        .expect("no-op update");
    assert_eq!(same.version, 2);

    // An attribute of the set that the patch lacks is removed.
    let rec = store
        .update(
            &p1,
            &Person::new(id("x")),
            set(&["anschrift.aktuell", "azr_nummer"]),
            None,
            "abh",
        )
        .expect("remove");
    assert_eq!(rec.version, 3);
    assert_eq!(rec.person.anschrift.aktuell, None);
    assert_eq!(rec.person.azr_nummer, None);
    assert!(rec.person.grundpersonalien.familienname.is_some());

    let missing = store.update(
        &id("P-NOPE"),
        &patch,
        set(&["anschrift.aktuell"]),
        None,
        "abh",
    );
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );
}

#[test]
fn stale_version_is_a_conflict_and_writes_nothing() {
    let dir = TempDir::new("conflict");
    let store = open(&dir);
    let p1 = id("P1");
    store
        .create(&person("P1", None, "Haddad", 1990), NewId::Keep, "abh")
        .expect("create");
    store
        .update(
            &p1,
            &address_patch("1"),
            set(&["anschrift.aktuell"]),
            Some(1),
            "a",
        )
        .expect("first writer");
    let err = store
        .update(
            &p1,
            &address_patch("2"),
            set(&["anschrift.aktuell"]),
            Some(1),
            "b",
        )
        .expect_err("second writer read version 1");
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 1,
                actual: 2
            }
        ),
        "{err:?}"
    );
    let rec = store.get(&p1).expect("get");
    assert_eq!(rec.version, 2);
    assert_eq!(rec.person.anschrift.aktuell, Some(address("1")));
}

#[test]
fn azr_nummer_is_unique() {
    let dir = TempDir::new("azr");
    let store = open(&dir);
    store
        .create(
            &person("P1", Some("230517000123"), "Haddad", 1990),
            NewId::Keep,
            "abh",
        )
        .expect("create");
    store
        .create(
            &person("P2", Some("230517000124"), "Nasser", 1991),
            NewId::Keep,
            "abh",
        )
        .expect("create");

    let dup = store.create(
        &person("P3", Some("230517000123"), "Amini", 1992),
        NewId::Keep,
        "abh",
    );
    assert!(
        matches!(dup, Err(StoreError::DuplicateAzrNummer)),
        "{dup:?}"
    );
    assert!(!dup.expect_err("dup").to_string().contains("230517000123"));

    let patch = person("x", Some("230517000123"), "x", 1900);
    let dup = store.update(&id("P2"), &patch, set(&["azr_nummer"]), None, "abh");
    assert!(
        matches!(dup, Err(StoreError::DuplicateAzrNummer)),
        "{dup:?}"
    );
    assert_eq!(
        store
            .get(&id("P2"))
            .expect("get")
            .person
            .azr_nummer
            .map(|a| a.to_string()),
        Some("230517000124".to_string())
    );

    // A bulk load with a duplicate writes nothing and names the record.
    let batch = vec![
        person("P10", Some("240101000010"), "Rahimi", 1980),
        person("P11", Some("230517000124"), "Rahimi", 1981),
    ];
    match store.seed(batch, "abh") {
        Err(StoreError::Record { index: 1, source }) => {
            assert!(
                matches!(*source, StoreError::DuplicateAzrNummer),
                "{source:?}"
            )
        }
        other => panic!("expected a record error, got {other:?}"),
    }
    assert_eq!(store.count().expect("count"), 2);
    assert!(matches!(
        store.get(&id("P10")),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn change_feed_is_ordered_and_pages_by_cursor() {
    let dir = TempDir::new("feed");
    let store = open(&dir);
    assert_eq!(store.latest_seq().expect("latest"), 0);
    store
        .create(&person("P1", None, "Haddad", 1990), NewId::Keep, "abh")
        .expect("create");
    store
        .create(&person("P2", None, "Nasser", 1991), NewId::Keep, "abh")
        .expect("create");
    store
        .update(
            &id("P1"),
            &address_patch("1"),
            set(&["anschrift.aktuell"]),
            None,
            "wohnungsamt",
        )
        .expect("update");
    // A no-op update adds nothing to the feed.
    store
        .update(
            &id("P1"),
            &address_patch("1"),
            set(&["anschrift.aktuell"]),
            None,
            "wohnungsamt",
        )
        .expect("no-op");
    store
        .update(
            &id("P2"),
            &address_patch("2"),
            set(&["anschrift.aktuell"]),
            None,
            "wohnungsamt",
        )
        .expect("update");
    store
        .update(
            &id("P1"),
            &address_patch("3"),
            set(&["anschrift.aktuell"]),
            None,
            "wohnungsamt",
        )
        .expect("update");

    let mut all = Vec::new();
    let mut cursor = 0;
    let mut pages = 0;
    loop {
        let page = store.changes_since(cursor, 2).expect("page");
        if page.changes.is_empty() {
            assert_eq!(page.next_cursor, cursor);
            break;
        }
        assert!(page.changes.len() <= 2);
        cursor = page.next_cursor;
        all.extend(page.changes);
        pages += 1;
    }
    assert_eq!(pages, 3);
    let summary: Vec<(&str, u64, Vec<&str>)> = all
        .iter()
        .map(|c| (c.fldm_id.as_str(), c.version, c.changed.names()))
        .collect();
    let created = vec![
        "grundpersonalien.familienname",
        "grundpersonalien.vornamen",
        "grundpersonalien.geburtsdatum",
        "grundpersonalien.geschlecht",
        "grundpersonalien.staatsangehoerigkeiten",
    ];
    assert_eq!(
        summary,
        vec![
            ("P1", 1, created.clone()),
            ("P2", 1, created),
            ("P1", 2, vec!["anschrift.aktuell"]),
            ("P2", 2, vec!["anschrift.aktuell"]),
            ("P1", 3, vec!["anschrift.aktuell"]),
        ]
    );
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(all[0].office, "abh");
    assert_eq!(all[2].office, "wohnungsamt");
    assert_eq!(all[2].idempotency_key, None);
    // Every entry carries the record as it is now.
    let current = all[0].current.as_ref().expect("not a tombstone");
    assert!(all.iter().all(|c| c.deleted.is_none()));
    assert_eq!(current.version, 3);
    assert_eq!(current.person.anschrift.aktuell, Some(address("3")));
    assert_eq!(store.latest_seq().expect("latest"), all[4].seq);
    let history: Vec<u64> = store
        .history(&id("P1"))
        .expect("history")
        .iter()
        .map(|c| c.version)
        .collect();
    assert_eq!(history, vec![1, 2, 3]);
    assert!(
        store
            .changes_since(all[4].seq, 10)
            .expect("tail")
            .changes
            .is_empty()
    );
    assert_eq!(
        store
            .changes_since(all[1].seq, 10)
            .expect("tail")
            .changes
            .len(),
        3
    );
}

#[test]
fn idempotent_write_applies_once() {
    let dir = TempDir::new("idem");
    let store = open(&dir);
    let p1 = id("P1");
    store
        .create(&person("P1", None, "Haddad", 1990), NewId::Keep, "abh")
        .expect("create");
    let runs = AtomicUsize::new(0);
    let write = |office: &str, key: &str, body: &str| {
        store.idempotent(office, key, digest(body), |tx| {
            runs.fetch_add(1, Ordering::SeqCst);
            let rec = tx.update(
                &p1,
                &address_patch(body),
                set(&["anschrift.aktuell"]),
                None,
                office,
            )?;
            Ok::<_, StoreError>(StoredResponse {
                status: 200,
                body: rec.version.to_string().into_bytes(),
            })
        })
    };

    let first = write("wohnungsamt", "k-1", "5").expect("first");
    assert!(first.applied());
    assert_eq!(first.response().body, b"2");
    let again = write("wohnungsamt", "k-1", "5").expect("retry");
    assert_eq!(
        again,
        IdempotentOutcome::Replayed(StoredResponse {
            status: 200,
            body: b"2".to_vec()
        })
    );
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the retry did not run the write"
    );

    let conflict = write("wohnungsamt", "k-1", "6");
    assert!(
        matches!(conflict, Err(StoreError::IdempotencyConflict)),
        "{conflict:?}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // Keys belong to an office: another office's key of the same text is another key.
    let other = write("sozialamt", "k-1", "6").expect("other office");
    assert!(other.applied());

    let rec = store.get(&p1).expect("get");
    assert_eq!(rec.version, 3);
    let feed = store.changes_since(0, 100).expect("feed").changes;
    let keyed: Vec<_> = feed
        .iter()
        .filter_map(|c| c.idempotency_key.as_deref())
        .collect();
    assert_eq!(keyed, vec!["k-1", "k-1"]);
    assert_eq!(feed.len(), 3);

    // A failing write stores nothing: the retry runs again.
    let failed = store.idempotent("wohnungsamt", "k-2", digest("x"), |tx| {
        tx.update(
            &id("P-NOPE"),
            &address_patch("1"),
            set(&["anschrift.aktuell"]),
            None,
            "w",
        )?;
        Ok::<_, StoreError>(StoredResponse {
            status: 200,
            body: Vec::new(),
        })
    });
    assert!(
        matches!(failed, Err(StoreError::NotFound { .. })),
        "{failed:?}"
    );
    let retried = store
        .idempotent("wohnungsamt", "k-2", digest("x"), |_| {
            Ok::<_, StoreError>(StoredResponse {
                status: 404,
                body: b"gone".to_vec(),
            })
        })
        .expect("retry");
    assert!(retried.applied());

    // Callers may use their own error type.
    #[derive(Debug)]
    enum ApiError {
        Store(StoreError),
        Denied,
    }
    impl From<StoreError> for ApiError {
        fn from(e: StoreError) -> Self {
            ApiError::Store(e)
        }
    }
    let denied = store.idempotent("wohnungsamt", "k-3", digest("y"), |_| Err(ApiError::Denied));
    assert!(matches!(denied, Err(ApiError::Denied)));
    let bad_key = store.idempotent("wohnungsamt", "key with spaces", digest("y"), |_| {
        Ok::<_, ApiError>(StoredResponse {
            status: 200,
            body: Vec::new(),
        })
    });
    assert!(
        matches!(bad_key, Err(ApiError::Store(StoreError::Invalid(_)))),
        "{bad_key:?}"
    );

    // Purging expired keys: after it, the same key is a new request.
    assert_eq!(store.purge_idempotency().expect("purge nothing expired"), 0);
    let future = time::OffsetDateTime::now_utc() + time::Duration::minutes(1);
    assert_eq!(store.purge_idempotency_before(future).expect("purge"), 3);
    let after = write("wohnungsamt", "k-1", "7").expect("after purge");
    assert!(after.applied());
    assert_eq!(store.get(&p1).expect("get").version, 4);
}

#[test]
fn corrections_lifecycle() {
    let dir = TempDir::new("corr");
    let store = open(&dir);
    let p1 = id("P1");
    store
        .create(&person("P1", None, "Haddad", 1990), NewId::Keep, "abh")
        .expect("create");

    let c = store
        .report_correction(
            &p1,
            "wohnungsamt",
            &[
                "grundpersonalien.geburtsdatum".to_string(),
                "anschrift".to_string(),
            ],
            "  Geburtsdatum laut Pass 02.03.1990  ",
            "req-1",
        )
        .expect("report");
    assert_eq!(c.status, CorrectionStatus::Open);
    assert_eq!(c.owner_office, "abh");
    assert_eq!(c.reported_by, "wohnungsamt");
    assert_eq!(c.note, "Geburtsdatum laut Pass 02.03.1990", "trimmed");
    assert_eq!(
        c.attributes.names(),
        vec![
            "grundpersonalien.geburtsdatum",
            "anschrift.aktuell",
            "anschrift.fruehere"
        ]
    );
    assert_eq!(c.request_id, "req-1");
    let c2 = store
        .report_correction(
            &p1,
            "gesundheitsamt",
            &["grundpersonalien.familienname".into()],
            "Schreibweise",
            "req-2",
        )
        .expect("report");
    assert!(c2.id > c.id);

    let open = store
        .corrections_for_owner("abh", Some(CorrectionStatus::Open))
        .expect("list");
    assert_eq!(
        open.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![c.id, c2.id]
    );
    assert!(
        store
            .corrections_for_owner("wohnungsamt", None)
            .expect("list")
            .is_empty()
    );

    let not_owner = store.set_correction_status(c.id, CorrectionStatus::Accepted, "wohnungsamt");
    assert!(
        matches!(not_owner, Err(StoreError::NotOwner)),
        "{not_owner:?}"
    );
    let accepted = store
        .set_correction_status(c.id, CorrectionStatus::Accepted, "abh")
        .expect("accept");
    assert_eq!(accepted.status, CorrectionStatus::Accepted);
    assert_eq!(accepted.decided_by.as_deref(), Some("abh"));
    // A retried decision succeeds and changes nothing.
    assert_eq!(
        store
            .set_correction_status(c.id, CorrectionStatus::Accepted, "abh")
            .expect("again"),
        accepted
    );
    let flip = store.set_correction_status(c.id, CorrectionStatus::Rejected, "abh");
    assert!(
        matches!(
            flip,
            Err(StoreError::CorrectionTransition {
                from: CorrectionStatus::Accepted,
                to: CorrectionStatus::Rejected
            })
        ),
        "{flip:?}"
    );
    let reopen = store.set_correction_status(c2.id, CorrectionStatus::Open, "abh");
    assert!(
        matches!(reopen, Err(StoreError::CorrectionTransition { .. })),
        "{reopen:?}"
    );
    store
        .set_correction_status(c2.id, CorrectionStatus::Rejected, "abh")
        .expect("reject");

    assert!(
        store
            .corrections_for_owner("abh", Some(CorrectionStatus::Open))
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        store
            .corrections_for_owner("abh", None)
            .expect("list")
            .len(),
        2
    );
    assert_eq!(
        store
            .corrections_for_owner("abh", Some(CorrectionStatus::Rejected))
            .expect("list")[0]
            .id,
        c2.id
    );
    assert_eq!(store.correction(c.id).expect("get"), accepted);

    let field_of = |r: Result<_, StoreError>| match r {
        Err(StoreError::Invalid(e)) => e.field().map(str::to_string),
        other => panic!("expected Invalid, got {other:?}"),
    };
    let attrs = vec!["anschrift.aktuell".to_string()];
    assert_eq!(
        field_of(store.report_correction(&p1, "w", &["unsinn".into()], "x", "r")).as_deref(),
        Some("attributes[0]")
    );
    assert_eq!(
        field_of(store.report_correction(&p1, "w", &[], "x", "r")).as_deref(),
        Some("attributes")
    );
    for bad in ["Хаддад", "bell\u{7}", "", &"x".repeat(2001)] {
        assert_eq!(
            field_of(store.report_correction(&p1, "w", &attrs, bad, "r")).as_deref(),
            Some("note")
        );
    }
    assert!(
        store
            .report_correction(&p1, "w", &attrs, &"x".repeat(2000), "r")
            .is_ok()
    );
    let missing = store.report_correction(&id("P-NOPE"), "w", &attrs, "x", "r");
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );
    let missing = store.set_correction_status(9999, CorrectionStatus::Accepted, "abh");
    assert!(
        matches!(missing, Err(StoreError::NotFound { what: "correction" })),
        "{missing:?}"
    );
}

#[test]
fn candidates_share_search_keys() {
    let dir = TempDir::new("keys");
    let store = open(&dir);
    store
        .seed(
            vec![
                person("P1", None, "Haddad", 1990),
                person("P2", None, "Haddad", 1985),
                person("P3", None, "Nasser", 1990),
                person("P4", None, "Amini", 1970),
            ],
            "abh",
        )
        .expect("seed");
    assert_eq!(
        store.search_keys_of(&id("P1")).expect("keys"),
        vec!["n:HADDAD", "y:1990"]
    );

    let found = |keys: &[&str], limit| -> Vec<(String, u32)> {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        store
            .candidates(&keys, limit)
            .expect("candidates")
            .into_iter()
            .map(|c| (c.record.person.fldm_id.to_string(), c.shared_keys))
            .collect()
    };
    let both = ["n:HADDAD", "y:1990", "y:1990"];
    assert_eq!(
        found(&both, 10),
        vec![("P1".into(), 2), ("P2".into(), 1), ("P3".into(), 1)]
    );
    assert_eq!(found(&both, 1), vec![("P1".into(), 2)]);
    assert!(found(&["n:MUELLER"], 10).is_empty());
    assert!(found(&[], 10).is_empty());

    // Keys follow updates.
    let patch = person("x", None, "Müller", 1990);
    store
        .update(
            &id("P2"),
            &patch,
            set(&["grundpersonalien.familienname"]),
            None,
            "abh",
        )
        .expect("update");
    assert_eq!(found(&["n:HADDAD"], 10), vec![("P1".into(), 1)]);
    assert_eq!(found(&["n:MUELLER"], 10), vec![("P2".into(), 1)]);

    // Without a key function no keys are kept; rebuilding fills them in.
    drop(store);
    let bare = Store::open(dir.db(), StoreOptions::default()).expect("open");
    bare.create(&person("P5", None, "Haddad", 1990), NewId::Keep, "abh")
        .expect("create");
    drop(bare);
    let store = open(&dir);
    assert_eq!(
        store.search_keys_of(&id("P5")).expect("keys"),
        Vec::<String>::new()
    );
    assert_eq!(store.rebuild_search_keys().expect("rebuild"), 5);
    assert_eq!(
        store.search_keys_of(&id("P5")).expect("keys"),
        vec!["n:HADDAD", "y:1990"]
    );
}

#[test]
fn synthetic_population_round_trips() {
    let dir = TempDir::new("synth");
    let store = open(&dir);
    let population = fldm_synth::population(300, 11);
    assert_eq!(store.seed(population.clone(), "abh").expect("seed"), 300);
    assert_eq!(store.count().expect("count"), 300);
    for p in population.iter().step_by(7) {
        let rec = store.get(&p.fldm_id).expect("get");
        assert_eq!(&rec.person, p);
        if let Some(azr) = &p.azr_nummer {
            assert_eq!(
                store.get_by_azr(azr).expect("by azr").person.fldm_id,
                p.fldm_id
            );
        }
    }
    let feed = store.changes_since(0, 1000).expect("feed").changes;
    assert_eq!(feed.len(), 300);
    assert!(
        feed.iter()
            .zip(&population)
            .all(|(c, p)| c.fldm_id == p.fldm_id && c.changed == attribute::present(p))
    );
    assert!(store.check_integrity().expect("integrity").is_empty());
}

#[test]
fn corrupt_stored_record_is_an_error_not_a_panic() {
    let dir = TempDir::new("corrupt");
    let store = open(&dir);
    store
        .create(&person("P1", None, "Haddad", 1990), NewId::Keep, "abh")
        .expect("create");
    store
        .create(&person("P2", None, "Nasser", 1990), NewId::Keep, "abh")
        .expect("create");
    {
        let c = rusqlite::Connection::open(dir.db()).expect("raw connection");
        let bad = person_to_json(&person("P1", None, "Haddad", 1990)).replace("Haddad", "Хаддад");
        c.execute("UPDATE persons SET record = ?1 WHERE fldm_id = 'P1'", [bad])
            .expect("tamper");
        c.execute("UPDATE persons SET record = '{' WHERE fldm_id = 'P2'", [])
            .expect("tamper");
    }
    match store.get(&id("P1")) {
        Err(e @ StoreError::InvalidRecord { .. }) => {
            let StoreError::InvalidRecord { fldm_id, source } = &e else {
                unreachable!()
            };
            assert_eq!(fldm_id, "P1");
            assert_eq!(source.field(), Some("grundpersonalien.familienname"));
            assert!(!e.to_string().contains("Хаддад"), "{e}");
        }
        other => panic!("expected InvalidRecord, got {other:?}"),
    }
    assert!(matches!(
        store.get(&id("P2")),
        Err(StoreError::InvalidRecord { .. })
    ));
    let update = store.update(
        &id("P1"),
        &address_patch("1"),
        set(&["anschrift.aktuell"]),
        None,
        "w",
    );
    assert!(
        matches!(update, Err(StoreError::InvalidRecord { .. })),
        "{update:?}"
    );
    assert!(matches!(
        store.changes_since(0, 10),
        Err(StoreError::InvalidRecord { .. })
    ));
}

#[test]
fn newer_schema_is_refused() {
    let dir = TempDir::new("schema");
    drop(open(&dir));
    {
        let c = rusqlite::Connection::open(dir.db()).expect("raw connection");
        let mode: String = c
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "wal", "WAL mode is persistent in the file");
        c.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (99, 0)",
            [],
        )
        .expect("bump");
    }
    let err = Store::open(dir.db(), options()).expect_err("must refuse");
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                supported: 2
            }
        ),
        "{err:?}"
    );
}

#[test]
fn parallel_writers_and_readers() {
    let dir = TempDir::new("threads");
    let store = open(&dir);
    let ids: Vec<FldmId> = (0..4).map(|i| id(&format!("P{i}"))).collect();
    for (i, p) in ids.iter().enumerate() {
        store
            .create(
                &person(p.as_str(), None, "Haddad", 1990 + i as u16),
                NewId::Keep,
                "abh",
            )
            .expect("create");
    }
    std::thread::scope(|s| {
        for p in &ids {
            let store = &store;
            s.spawn(move || {
                for n in 1..=25 {
                    let rec = store.get(p).expect("read");
                    store
                        .update(
                            p,
                            &address_patch(&n.to_string()),
                            set(&["anschrift.aktuell"]),
                            Some(rec.version),
                            "w",
                        )
                        .expect("update");
                }
            });
            s.spawn(move || {
                for _ in 0..25 {
                    store.changes_since(0, 50).expect("feed");
                }
            });
        }
    });
    for p in &ids {
        assert_eq!(store.get(p).expect("get").version, 26);
    }
    assert_eq!(store.latest_seq().expect("latest"), 4 + 4 * 25);
}

// ---------------------------------------------------------------------------
// Crash recovery: a child process writes 1,000 idempotent address updates and
// is killed with SIGKILL at random points; retries must apply each update
// exactly once and lose nothing acknowledged.

const CRASH_ENV: &str = "FLDM_HUB_CRASH_DB";
const CRASH_UPDATES: usize = 1000;
const CRASH_PERSONS: usize = 20;
const CRASH_OFFICE: &str = "wohnungsamt";

fn crash_person_id(i: usize) -> FldmId {
    id(&format!("P{:03}", i % CRASH_PERSONS))
}

/// The request of update `i`: its key, body and digest.
fn crash_request(i: usize) -> (String, Person, [u8; 32]) {
    let key = format!("key-{i:04}");
    let patch = address_patch(&(i + 1).to_string());
    let d = digest(&format!(
        "PUT /v1/persons/{}/anschrift {}",
        crash_person_id(i),
        person_to_json(&patch)
    ));
    (key, patch, d)
}

/// Not a test on its own: the writer process of `crash_recovery`, run by it
/// with `CRASH_ENV` set. Prints `ACK <i> <applied|replayed> <version>` after
/// each acknowledged (committed) update.
#[test]
#[ignore = "helper process of crash_recovery"]
fn crash_writer_child() {
    let Ok(path) = std::env::var(CRASH_ENV) else {
        return;
    };
    let store = Store::open(&path, options()).expect("child opens store");
    println!();
    for i in 0..CRASH_UPDATES {
        let (key, patch, d) = crash_request(i);
        let fldm_id = crash_person_id(i);
        let outcome = store
            .idempotent(CRASH_OFFICE, &key, d, |tx| {
                let rec = tx.update(
                    &fldm_id,
                    &patch,
                    set(&["anschrift.aktuell"]),
                    None,
                    CRASH_OFFICE,
                )?;
                Ok::<_, StoreError>(StoredResponse {
                    status: 200,
                    body: rec.version.to_string().into_bytes(),
                })
            })
            .expect("idempotent update");
        let what = if outcome.applied() {
            "applied"
        } else {
            "replayed"
        };
        let version = String::from_utf8_lossy(&outcome.response().body).to_string();
        println!("ACK {i} {what} {version}");
    }
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn run_writer(db: &Path, kill_after_applied: Option<usize>) -> Vec<(usize, bool, u64)> {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([
            "crash_writer_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_ENV, db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn writer");
    let stdout = child.stdout.take().expect("stdout");
    let mut acks = Vec::new();
    let mut applied = 0;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let Some(at) = line.find("ACK ") else {
            continue;
        };
        let parts: Vec<&str> = line[at + 4..].split(' ').collect();
        let [i, what, version] = parts[..] else {
            continue;
        };
        let (Ok(i), Ok(version)) = (i.parse::<usize>(), version.parse::<u64>()) else {
            continue;
        };
        let was_applied = what == "applied";
        acks.push((i, was_applied, version));
        if was_applied {
            applied += 1;
        }
        if Some(applied) == kill_after_applied {
            child.kill().expect("SIGKILL");
            break;
        }
    }
    let status = child.wait().expect("wait");
    if kill_after_applied.is_none() {
        assert!(status.success(), "writer failed: {status:?}");
    }
    acks
}

#[test]
fn crash_recovery() {
    let dir = TempDir::new("crash");
    {
        let store = open(&dir);
        let persons =
            (0..CRASH_PERSONS).map(|i| person(crash_person_id(i).as_str(), None, "Haddad", 1990));
        store.seed(persons, "abh").expect("seed");
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    let mut rng = XorShift(seed);
    // key index -> (version in the first acknowledgement)
    let mut acked: BTreeMap<usize, u64> = BTreeMap::new();
    let kills = 6;
    for run in 0..=kills {
        let kill_after = (run < kills).then(|| 1 + (rng.next() % 120) as usize);
        let acks = run_writer(&dir.db(), kill_after);
        for (i, applied, version) in acks {
            match acked.get(&i) {
                Some(first) => {
                    assert!(
                        !applied,
                        "update {i} applied twice (seed {seed}, run {run})"
                    );
                    assert_eq!(
                        *first, version,
                        "stored response of {i} changed (seed {seed})"
                    );
                }
                None => {
                    acked.insert(i, version);
                }
            }
        }
        if let Some(k) = kill_after {
            assert!(
                acked.len() < CRASH_UPDATES,
                "run {run} finished before its kill after {k}"
            );
        }
    }
    assert_eq!(
        acked.len(),
        CRASH_UPDATES,
        "every update acknowledged (seed {seed})"
    );

    let store = open(&dir);
    assert!(store.check_integrity().expect("integrity").is_empty());
    let mut feed = Vec::new();
    let mut cursor = 0;
    loop {
        let page = store.changes_since(cursor, 300).expect("feed");
        if page.changes.is_empty() {
            break;
        }
        cursor = page.next_cursor;
        feed.extend(page.changes);
    }
    let keyed: Vec<&str> = feed
        .iter()
        .filter_map(|c| c.idempotency_key.as_deref())
        .collect();
    let distinct: BTreeSet<&str> = keyed.iter().copied().collect();
    assert_eq!(
        keyed.len(),
        CRASH_UPDATES,
        "one change per update (seed {seed})"
    );
    assert_eq!(distinct.len(), CRASH_UPDATES);
    assert_eq!(feed.len(), CRASH_PERSONS + CRASH_UPDATES);
    for p in 0..CRASH_PERSONS {
        let fldm_id = crash_person_id(p);
        let rec = store.get(&fldm_id).expect("get");
        let updates = CRASH_UPDATES / CRASH_PERSONS;
        assert_eq!(rec.version, 1 + updates as u64, "{fldm_id}");
        let last = (0..CRASH_UPDATES)
            .filter(|i| i % CRASH_PERSONS == p)
            .max()
            .unwrap_or(0);
        assert_eq!(
            rec.person.anschrift.aktuell,
            Some(address(&(last + 1).to_string()))
        );
    }
    // The acknowledged responses are the versions the updates produced.
    for (i, version) in &acked {
        assert_eq!(*version, 2 + (*i / CRASH_PERSONS) as u64, "update {i}");
    }
}
