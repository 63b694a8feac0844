//! End to end over real HTTPS with mTLS on 127.0.0.1: the record life
//! cycle. The foreigners' authority (owning office, purpose 70) imports its
//! stock with `fldm import` (JSON lines and XML, re-runs, refusals), creates,
//! updates, deletes and merges records; the housing office reads the
//! tombstones in `fldm changes` and journals what it did with its copies.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fldm_client::blocking::HubClient;
use fldm_client::wire::ChangeEntry;
use fldm_client::{ChangeEvent, Context, Error, HubClientBuilder, LocalAction};
use fldm_core::audit::{ReadEntry, read_entries};
use fldm_core::codec::import::person_from_import_json;
use fldm_core::lifecycle::DeletionReason;
use fldm_core::record::Person;

const FLDM: &str = env!("CARGO_BIN_EXE_fldm");

fn policy() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/reference.toml")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A hub in a fresh directory (development PKI, profiles, a few seeded
/// persons), stopped and removed on drop.
struct Hub {
    child: Option<Child>,
    dir: PathBuf,
    port: u16,
}

impl Hub {
    fn start(name: &str) -> Hub {
        let dir = std::env::temp_dir().join(format!("fldm-e2e-life-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let port = free_port();
        let st = Command::new(FLDM)
            .arg("init-pki")
            .arg(&dir)
            .arg("--policy")
            .arg(policy())
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .status()
            .expect("init-pki");
        assert!(st.success());
        let st = Command::new(FLDM)
            .args(["hub", "seed", "--config"])
            .arg(dir.join("hub.toml"))
            .args(["--persons", "3", "--seed", "5"])
            .stdout(Stdio::null())
            .status()
            .expect("seed");
        assert!(st.success());
        let child = Command::new(FLDM)
            .args(["hub", "serve", "--config"])
            .arg(dir.join("hub.toml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("hub serve");
        // Bounded poll until the hub accepts connections.
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "hub did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Hub {
            child: Some(child),
            dir,
            port,
        }
    }

    fn profile(&self, office: &str) -> String {
        self.dir
            .join(format!("{office}.profile.toml"))
            .display()
            .to_string()
    }

    fn client(&self, office: &str) -> HubClient {
        let d = &self.dir;
        HubClientBuilder::new(format!("https://127.0.0.1:{}", self.port))
            .ca_pem_file(d.join("ca.pem"))
            .identity_pem_files(
                d.join(format!("{office}.pem")),
                d.join(format!("{office}-key.pem")),
            )
            .user(format!("{office}-test"))
            .office(office)
            // Not the profile's journal, which the `fldm` runs write.
            .journal_dir(d.join(format!("journal-lib-{office}")))
            .journal_pseudonym_key(d.join(format!("{office}-pseudonym.key")))
            .build_blocking()
            .expect("client")
    }

    /// Run `fldm` with `args`.
    fn fldm(&self, args: &[&str]) -> Output {
        Command::new(FLDM)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run fldm")
    }

    /// `fldm import` as the foreigners' authority.
    fn import(&self, file: &Path, extra: &[&str]) -> Output {
        let profile = self.profile("auslaenderbehoerde");
        let file = file.display().to_string();
        let mut args = vec![
            "import",
            "--profile",
            &profile,
            "--purpose",
            "70",
            "--case",
            "ABH-2026-1",
        ];
        args.extend_from_slice(extra);
        args.push(&file);
        self.fldm(&args)
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ctx_abh() -> Context {
    Context::new("70").case("ABH-2026-1")
}

fn ctx_w() -> Context {
    Context::new("W01").case("WA-2026-1")
}

/// An import record keyed by Aktenzeichen `ABH-n/26`.
fn record_line(n: usize, familienname: &str) -> String {
    format!(
        r#"{{"aktenzeichen":"ABH-{n}/26","grundpersonalien":{{"familienname":"{familienname}","vornamen":{{"nicht_vorhanden":true}},"geburtsdatum":"1990","geschlecht":"w","staatsangehoerigkeiten":["475"]}}}}"#
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The last line of stdout.
fn last_line(o: &Output) -> String {
    stdout(o).lines().last().unwrap_or_default().to_string()
}

#[test]
fn fldm_import_counts_reruns_and_refusals() {
    let hub = Hub::start("import");
    let dir = &hub.dir;

    // JSON lines: 7 new records.
    let jsonl = dir.join("stock.jsonl");
    let lines: Vec<String> = (1..=7)
        .map(|n| record_line(n, &format!("Haddad{}", "a".repeat(n))))
        .collect();
    std::fs::write(&jsonl, lines.join("\n") + "\n").expect("write");
    let o = hub.import(&jsonl, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        last_line(&o),
        "created 7, updated 0, unchanged 0, refused 0"
    );
    // No progress bar when stderr is not a terminal.
    assert!(!stderr(&o).contains('\u{1b}'), "{}", stderr(&o));

    // The same file again, in batches of 2: nothing changes.
    let o = hub.import(&jsonl, &["--batch-size", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        last_line(&o),
        "created 0, updated 0, unchanged 7, refused 0"
    );

    // XML: one known record with a new family name, two new ones.
    let xml = dir.join("more.xml");
    let doc = fldm_core::codec::xml::to_xml(&[
        person(1, "Haddad-Neu"),
        person(8, "Yilmaz"),
        person(9, "Nowak"),
    ]);
    assert!(doc.contains("<fldm:personen"), "{doc}");
    std::fs::write(&xml, doc).expect("write");
    let o = hub.import(&xml, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        last_line(&o),
        "created 2, updated 1, unchanged 0, refused 0"
    );
    // The format flag wins over the file name.
    let xml_as_data = dir.join("more.data");
    std::fs::copy(&xml, &xml_as_data).expect("copy");
    let o = hub.import(&xml_as_data, &["--format", "xml"]);
    assert_eq!(
        last_line(&o),
        "created 0, updated 0, unchanged 3, refused 0",
        "{}",
        stderr(&o)
    );

    // Refusals: an impossible date (refused before sending) and a record
    // without a key (refused by the hub). Exit 1, one stderr line each.
    let bad = dir.join("bad.jsonl");
    let no_key = record_line(10, "Ohne").replace(r#""aktenzeichen":"ABH-10/26","#, "");
    std::fs::write(
        &bad,
        format!(
            "{}\n{}\n{}\n",
            record_line(11, "Gut"),
            record_line(12, "Falsch").replace("\"1990\"", "\"1990-02-30\""),
            no_key
        ),
    )
    .expect("write");
    let o = hub.import(&bad, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        last_line(&o),
        "created 1, updated 0, unchanged 0, refused 2"
    );
    let err = stderr(&o);
    assert!(
        err.lines()
            .any(|l| l == "record 1: grundpersonalien.geburtsdatum: invalid"),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with("record 2: ") && l.ends_with(": missing_key")),
        "{err}"
    );
    // Refusals never quote values.
    assert!(
        !err.contains("1990-02-30") && !err.contains("Ohne"),
        "{err}"
    );

    // Usage and I/O errors: exit 2.
    let o = hub.import(&dir.join("missing.jsonl"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let broken = dir.join("broken.xml");
    std::fs::write(
        &broken,
        "<fldm:personen xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\"><fldm:person>",
    )
    .expect("write");
    let o = hub.import(&broken, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("record 0"), "{}", stderr(&o));
    // Only the owning office imports: the housing office is denied, every
    // record refused (exit 1, as for refusals; 2 is for usage and I/O).
    let w = hub.profile("wohnungsamt");
    let file = jsonl.display().to_string();
    let o = hub.fldm(&[
        "import",
        "--profile",
        &w,
        "--purpose",
        "70",
        "--case",
        "WA-1",
        &file,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());

    // One client-journal record per request: 1 + 4 (batches of 2) + 1 + 1
    // + 1; nothing for input that sent nothing. The denial is journaled too.
    let own = journal(&hub, "journal-auslaenderbehoerde");
    let batches: Vec<_> = own
        .iter()
        .filter(|r| r.operation.as_str() == "collect")
        .collect();
    assert_eq!(batches.len(), 8, "{own:?}");
    assert!(
        batches
            .iter()
            .all(|r| r.rule_id.as_deref() == Some("abh-schreiben")
                && r.case_reference.as_deref() == Some("ABH-2026-1"))
    );
    let denied = journal(&hub, "journal-wohnungsamt");
    assert!(
        denied.iter().any(|r| r.operation.as_str() == "collect"
            && r.outcome.kind == fldm_core::audit::OutcomeKind::Denied),
        "{denied:?}"
    );
}

fn person(n: usize, familienname: &str) -> Person {
    person_from_import_json(&record_line(n, familienname)).expect("record")
}

/// The records of the client journal in `dir` (`journal-<office>` of the
/// `fldm` runs, `journal-lib-<office>` of the library clients).
fn journal(hub: &Hub, dir: &str) -> Vec<fldm_core::audit::AuditRecord> {
    read_entries(hub.dir.join(dir))
        .expect("journal")
        .into_iter()
        .filter_map(|e| match e {
            ReadEntry::Entry(e) => Some(e.record),
            ReadEntry::Pruned { .. } => None,
        })
        .collect()
}

#[test]
fn delete_and_merge_reach_receivers_as_tombstones() {
    let hub = Hub::start("delete");
    let abh = hub.client("auslaenderbehoerde");

    // Create and update through the library.
    let gone = abh
        .create_person(&person(1, "Weg"), &ctx_abh())
        .expect("create");
    let survivor = abh
        .create_person(&person(2, "Bleibt"), &ctx_abh())
        .expect("create");
    let duplicate = abh
        .create_person(&person(3, "Doppelt"), &ctx_abh())
        .expect("create");
    let mut patch = Person::new(fldm_core::ids::FldmId::parse(&survivor.fldm_id).expect("id"));
    patch.aktenzeichen = Some(fldm_core::ids::Aktenzeichen::parse("ABH-2/26-A").expect("az"));
    let updated = abh
        .update_person(&patch, Some(survivor.version), &ctx_abh())
        .expect("update");
    assert!(updated.version > survivor.version);
    assert_eq!(updated.changed, vec!["aktenzeichen".to_string()]);
    // A stale version is a conflict.
    assert!(matches!(
        abh.update_person(&patch, Some(survivor.version), &ctx_abh()),
        Err(Error::Conflict { .. })
    ));
    // The housing office may not create records.
    let w = hub.client("wohnungsamt");
    assert!(matches!(
        w.create_person(&person(4, "Nein"), &Context::new("70").case("WA-1")),
        Err(Error::Denied { .. })
    ));

    let profile = hub.profile("auslaenderbehoerde");
    let base = [
        "--profile",
        &profile,
        "--purpose",
        "70",
        "--case",
        "ABH-2026-1",
    ];
    // An unknown reason: exit 2, the codes are listed.
    let mut args = vec!["delete"];
    args.extend_from_slice(&base);
    args.extend_from_slice(&["--reason", "umzug", &gone.fldm_id]);
    let o = hub.fldm(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("einbuergerung"), "{}", stderr(&o));
    // Delete.
    let mut args = vec!["delete"];
    args.extend_from_slice(&base);
    args.extend_from_slice(&["--reason", "wegzug", &gone.fldm_id]);
    let o = hub.fldm(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let line = last_line(&o);
    assert!(
        line.contains(&gone.fldm_id) && line.contains("wegzug"),
        "{line}"
    );
    // Merge.
    let mut args = vec!["merge"];
    args.extend_from_slice(&base);
    args.extend_from_slice(&[&survivor.fldm_id, &duplicate.fldm_id]);
    let o = hub.fldm(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        last_line(&o).contains(&duplicate.fldm_id),
        "{}",
        last_line(&o)
    );
    // The bridge (C and Python) gives the same operations as JSON.
    let out = fldm_client::bridge::call_json(
        &abh,
        &serde_json::json!({"op": "import_persons", "purpose": "70", "case_reference": "ABH-2026-1",
            "records": [
                serde_json::from_str::<serde_json::Value>(&record_line(20, "Neu")).expect("json"),
                {"aktenzeichen": "ABH-21/26", "grundpersonalien": {"geburtsdatum": "1990-02-30"}}
            ]})
        .to_string(),
    )
    .expect("bridge import");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v,
        serde_json::json!({"created": 1, "updated": 0, "unchanged": 0, "refused": 1, "batches": 1,
            "refusals": [{"index": 1, "field": "grundpersonalien.geburtsdatum", "reason": "invalid"}]})
    );
    let e = fldm_client::bridge::call_json(
        &abh,
        &serde_json::json!({"op": "delete_person", "purpose": "70", "case_reference": "ABH-2026-1",
            "fldm_id": gone.fldm_id, "reason": "umzug"})
        .to_string(),
    )
    .expect_err("unknown reason");
    assert_eq!(e.field(), Some("reason"));

    // The deleted records are gone.
    assert!(matches!(
        abh.get_person(&gone.fldm_id, &ctx_abh()),
        Err(Error::NotFound { .. })
    ));

    // The housing office reads the tombstones with `fldm changes`.
    let wp = hub.profile("wohnungsamt");
    let o = hub.fldm(&[
        "changes",
        "--profile",
        &wp,
        "--purpose",
        "W01",
        "--case",
        "WA-2026-1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let entries: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let tombstone = |id: &str| {
        entries
            .iter()
            .find(|e| e["fldm_id"] == id && e.get("deleted").is_some())
            .unwrap_or_else(|| panic!("no tombstone for {id} in {entries:?}"))
            .clone()
    };
    let t = tombstone(&gone.fldm_id);
    let mut keys: Vec<&str> = t
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, vec!["deleted", "fldm_id", "seq"], "{t}");
    assert_eq!(t["deleted"]["reason"], "wegzug");
    assert!(t["deleted"]["at"].is_string(), "{t}");
    assert!(t["deleted"].get("merged_into").is_none(), "{t}");
    let t = tombstone(&duplicate.fldm_id);
    assert_eq!(t["deleted"]["reason"], "doppelerfassung");
    assert_eq!(t["deleted"]["merged_into"], survivor.fldm_id.as_str());

    // The library types the same entries, and the receiver journals what
    // it did with its copies.
    let before = journal(&hub, "journal-lib-wohnungsamt").len();
    let mut acknowledged = 0;
    for entry in w.changes(0, ctx_w()) {
        let entry: ChangeEntry = entry.expect("entry");
        if let ChangeEvent::Deleted {
            fldm_id, tombstone, ..
        } = ChangeEvent::from(entry)
        {
            let action = match &tombstone.merged_into {
                Some(to) => LocalAction::Relinked { to: to.clone() },
                None => LocalAction::Deleted,
            };
            w.acknowledge_deletion(&fldm_id, &tombstone, action, &ctx_w())
                .expect("acknowledge");
            acknowledged += 1;
        }
    }
    assert_eq!(acknowledged, 2);
    let records = journal(&hub, "journal-lib-wohnungsamt");
    let acks: Vec<(&str, Option<&str>)> = records[before..]
        .iter()
        .filter(|r| r.operation.as_str() != "query")
        .map(|r| (r.operation.as_str(), r.outcome.reason.as_deref()))
        .collect();
    assert_eq!(
        acks,
        vec![
            ("delete", Some("wegzug")),
            ("combine", Some("doppelerfassung"))
        ]
    );

    // The owner's journal names the deletion reason of its own calls.
    let own = journal(&hub, "journal-auslaenderbehoerde");
    assert!(
        own.iter().any(|r| r.operation.as_str() == "delete"
            && r.outcome.reason.as_deref() == Some(DeletionReason::Wegzug.as_str())),
        "{own:?}"
    );
    assert!(own.iter().any(|r| r.operation.as_str() == "combine"));
}
