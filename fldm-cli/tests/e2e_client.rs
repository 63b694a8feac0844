//! End to end over real HTTPS with mTLS on 127.0.0.1: the `fldm` binary runs
//! the reference hub as a separate process, the `fldm-client` library talks
//! to it. Covers the client's typed errors, its audit journal and its link
//! to the hub's journal, and bulk writes that survive a SIGKILL of the hub.

use std::collections::{BTreeMap, HashSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fldm_client::blocking::HubClient;
use fldm_client::wire::SearchRequest;
use fldm_client::{Context, Error, HubClientBuilder, RetryPolicy};
use fldm_core::audit::{PublicKey, read_entries, verify_dir};
use fldm_core::record::{Anschrift, Postleitzahl, Text};

const FLDM: &str = env!("CARGO_BIN_EXE_fldm");

fn policy() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/reference.toml")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

struct HubProcess {
    child: Option<Child>,
    dir: PathBuf,
    port: u16,
}

impl HubProcess {
    /// init-pki + seed + serve in a fresh directory.
    fn start(name: &str, persons: usize) -> HubProcess {
        let dir = std::env::temp_dir().join(format!("fldm-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let port = free_port();
        let st = Command::new(FLDM)
            .args(["init-pki"])
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
            .args(["--persons", &persons.to_string(), "--seed", "11"])
            .stdout(Stdio::null())
            .status()
            .expect("seed");
        assert!(st.success());
        let mut h = HubProcess {
            child: None,
            dir,
            port,
        };
        h.spawn();
        h
    }

    fn spawn(&mut self) {
        let child = Command::new(FLDM)
            .args(["hub", "serve", "--config"])
            .arg(self.dir.join("hub.toml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("hub serve");
        self.child = Some(child);
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "hub did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-9", &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(15) {
                if c.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    fn client(&self, office: &str) -> HubClientBuilder {
        let d = &self.dir;
        HubClientBuilder::new(self.url())
            .ca_pem_file(d.join("ca.pem"))
            .identity_pem_files(
                d.join(format!("{office}.pem")),
                d.join(format!("{office}-key.pem")),
            )
            .user(format!("{office}-test"))
            .office(office)
            .journal_dir(d.join(format!("journal-{office}")))
            .journal_signing_key(d.join(format!("{office}-audit-signing.pk8")))
            .journal_pseudonym_key(d.join(format!("{office}-pseudonym.key")))
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        self.kill9();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn address(n: usize) -> Anschrift {
    Anschrift {
        strasse: Some(Text::parse("Ehrenfeldgürtel").expect("text")),
        hausnummer: Some(Text::parse(&n.to_string()).expect("text")),
        postleitzahl: Some(Postleitzahl::parse("50823").expect("plz")),
        ort: Some(Text::parse("Köln").expect("ort")),
        ..Anschrift::default()
    }
}

fn ctx_w() -> Context {
    Context::new("W01").case("WA-2026-0001")
}

#[test]
fn client_gets_typed_errors_and_keeps_a_linked_journal() {
    let hub = HubProcess::start("errors", 200);
    let w: HubClient = hub.client("wohnungsamt").build_blocking().expect("client");

    // A permitted read: exactly the housing office's attributes.
    let d = w.get_person("P000000001", &ctx_w()).expect("read");
    let allowed: HashSet<&str> = [
        "grundpersonalien.familienname",
        "grundpersonalien.geburtsname",
        "grundpersonalien.vornamen",
        "grundpersonalien.geburtsdatum",
        "anschrift.aktuell",
        "grundpersonalien.geschlecht",
        "grundpersonalien.staatsangehoerigkeiten",
    ]
    .into_iter()
    .collect();
    for a in fldm_core::attribute::present(&d.record).names() {
        assert!(allowed.contains(a), "wohnungsamt received {a}");
    }
    assert_eq!(d.decision.rule_id, "wohnungsamt-identifikation");

    // Denials are typed and carry the reason code.
    match w.get_person("P000000001", &Context::new("W01")) {
        Err(Error::Denied { reason, .. }) => assert_eq!(reason, "case_reference_required"),
        other => panic!("expected a denial, got {other:?}"),
    }
    match w.get_person("P000000001", &Context::new("27").case("X-1")) {
        Err(Error::Denied { reason, .. }) => assert_eq!(reason, "no_matching_rule"),
        other => panic!("expected a denial, got {other:?}"),
    }
    assert!(matches!(
        w.get_person("P999999999", &ctx_w()),
        Err(Error::NotFound { .. })
    ));
    // No request without a purpose (AZRG § 10 Abs. 1): refused before sending.
    for purpose in ["", "  "] {
        match w.get_person("P000000001", &Context::new(purpose).case("X-1")) {
            Err(Error::MissingContext { code, .. }) => {
                assert_eq!(code, fldm_core::wire::ProblemCode::MissingPurpose)
            }
            other => panic!("expected a missing purpose, got {other:?}"),
        }
    }
    assert!(matches!(
        w.get_person("not an id", &ctx_w()),
        Err(Error::Local(_))
    ));
    assert!(matches!(
        w.get_person_by_azr("231317000123", &ctx_w()),
        Err(Error::Local(_))
    ));
    let bad_search = SearchRequest {
        geburtsdatum: Some("2023-02-30".into()),
        familienname: Some("Haddad".into()),
        ..SearchRequest::default()
    };
    match w.search(&bad_search, &ctx_w()) {
        Err(Error::InvalidInput { field, .. }) => {
            assert_eq!(field.as_deref(), Some("geburtsdatum"))
        }
        other => panic!("expected invalid input, got {other:?}"),
    }

    // The statistics office gets no person data.
    let s = hub
        .client("statistikstelle")
        .without_journal()
        .build_blocking()
        .expect("client");
    assert!(matches!(
        s.get_person("P000000001", &Context::new("S01").case("ST-1")),
        Err(Error::Denied { .. })
    ));

    // Wrong certificates and an unreachable hub.
    let other = std::env::temp_dir().join(format!("fldm-e2e-otherpki-{}", std::process::id()));
    let st = Command::new(FLDM)
        .arg("init-pki")
        .arg(&other)
        .arg("--policy")
        .arg(policy())
        .stdout(Stdio::null())
        .status()
        .expect("init-pki");
    assert!(st.success());
    let foreign = HubClientBuilder::new(hub.url())
        .ca_pem_file(hub.dir.join("ca.pem"))
        .identity_pem_files(
            other.join("wohnungsamt.pem"),
            other.join("wohnungsamt-key.pem"),
        )
        .user("x")
        .without_journal()
        .retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .build_blocking()
        .expect("client");
    let e = foreign
        .get_person("P000000001", &ctx_w())
        .expect_err("foreign certificate");
    assert!(matches!(e, Error::Tls(_) | Error::Transport(_)), "{e:?}");
    let wrong_ca = HubClientBuilder::new(hub.url())
        .ca_pem_file(other.join("ca.pem"))
        .identity_pem_files(
            hub.dir.join("wohnungsamt.pem"),
            hub.dir.join("wohnungsamt-key.pem"),
        )
        .user("x")
        .without_journal()
        .retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .build_blocking()
        .expect("client");
    let e = wrong_ca
        .get_person("P000000001", &ctx_w())
        .expect_err("server from another CA");
    assert!(matches!(e, Error::Tls(_)), "{e:?}");
    let missing = HubClientBuilder::new(hub.url())
        .ca_pem_file(other.join("nope.pem"))
        .identity_pem_files(
            other.join("wohnungsamt.pem"),
            other.join("wohnungsamt-key.pem"),
        )
        .user("x")
        .without_journal()
        .build_blocking();
    assert!(matches!(missing, Err(Error::Config { .. })));
    let no_journal_choice = HubClientBuilder::new(hub.url())
        .ca_pem_file(hub.dir.join("ca.pem"))
        .identity_pem_files(
            hub.dir.join("wohnungsamt.pem"),
            hub.dir.join("wohnungsamt-key.pem"),
        )
        .user("x")
        .build_blocking();
    assert!(
        matches!(no_journal_choice, Err(Error::Config { .. })),
        "the journal cannot be forgotten"
    );
    // Journal records name the requesting office: without one the client
    // is refused when built, not at its first call.
    let journal_without_office = HubClientBuilder::new(hub.url())
        .ca_pem_file(hub.dir.join("ca.pem"))
        .identity_pem_files(
            hub.dir.join("wohnungsamt.pem"),
            hub.dir.join("wohnungsamt-key.pem"),
        )
        .user("x")
        .journal_dir(hub.dir.join("journal-without-office"))
        .build_blocking();
    assert!(
        matches!(&journal_without_office, Err(Error::Config { what, .. }) if what == "office"),
        "{:?}",
        journal_without_office.err()
    );
    let unreachable = HubClientBuilder::new(format!("https://127.0.0.1:{}", free_port()))
        .ca_pem_file(hub.dir.join("ca.pem"))
        .identity_pem_files(
            hub.dir.join("wohnungsamt.pem"),
            hub.dir.join("wohnungsamt-key.pem"),
        )
        .user("x")
        .without_journal()
        .retry(RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(10),
        })
        .build_blocking()
        .expect("client");
    assert!(matches!(
        unreachable.get_person("P000000001", &ctx_w()),
        Err(Error::Transport(_))
    ));
    let _ = std::fs::remove_dir_all(&other);

    // A change-feed page discloses several persons: the client's record and
    // the hub's record of the same request both name every one of them.
    let abh = hub
        .client("auslaenderbehoerde")
        .build_blocking()
        .expect("client");
    let page = abh
        .changes_page(0, 20, &Context::new("70").case("ABH-1"))
        .expect("page");
    let persons: HashSet<&str> = page.changes.iter().map(|c| c.fldm_id.as_str()).collect();
    assert!(persons.len() > 1);
    drop(abh);

    // The client journal: one record per call, linked to the hub's records
    // by request id, both journals verify.
    w.journal_checkpoint().expect("checkpoint");
    // Five calls reached the hub; the two rejected before sending (invalid
    // FLDM id, invalid AZR-Nummer) are not journaled because nothing left.
    assert_eq!(w.journal_len(), 5);
    drop(w);
    let mut hub = hub;
    hub.stop();
    let client_ids: Vec<String> = read_entries(hub.dir.join("journal-wohnungsamt"))
        .expect("client journal")
        .into_iter()
        .filter_map(|e| match e {
            fldm_core::audit::ReadEntry::Entry(e) => Some(e.record.request_id.clone()),
            _ => None,
        })
        .collect();
    let hub_ids: HashSet<String> = read_entries(hub.dir.join("hub-audit"))
        .expect("hub journal")
        .into_iter()
        .filter_map(|e| match e {
            fldm_core::audit::ReadEntry::Entry(e) => Some(e.record.request_id.clone()),
            _ => None,
        })
        .collect();
    let feed_record = |dir: &str| {
        read_entries(hub.dir.join(dir))
            .expect("journal")
            .into_iter()
            .filter_map(|e| match e {
                fldm_core::audit::ReadEntry::Entry(e) => Some(e.record),
                _ => None,
            })
            .find(|r| r.request_id == page.request_id)
            .expect("record of the feed page")
    };
    for (dir, key) in [
        (
            "journal-auslaenderbehoerde",
            "auslaenderbehoerde-pseudonym.key",
        ),
        ("hub-audit", "hub-pseudonym.key"),
    ] {
        let r = feed_record(dir);
        let key = fldm_core::audit::PseudonymKey::load(&hub.dir.join(key)).expect("key");
        let mut expected: Vec<String> = persons.iter().map(|id| key.subject_ref(id)).collect();
        expected.sort();
        assert_eq!(r.subject_ref, None, "{dir}");
        assert_eq!(r.subject_refs, expected, "{dir}");
    }
    // Every client record has its hub counterpart with the same request id.
    assert_eq!(client_ids.len(), 5);
    for id in &client_ids {
        assert!(hub_ids.contains(id), "client record {id} has no hub record");
    }
    for (dir, key) in [
        ("journal-wohnungsamt", "wohnungsamt-audit-signing.pub"),
        ("hub-audit", "hub-audit-signing.pub"),
    ] {
        let key = PublicKey::load(&hub.dir.join(key)).expect("key");
        let r = verify_dir(hub.dir.join(dir), &key).expect("verify");
        assert!(r.is_intact(), "{dir}: {:?}", r.problems);
    }
}

/// The hub is killed with SIGKILL during a bulk write of 1,000 address
/// updates and restarted; after the client's retries every update is
/// present exactly once.
#[test]
fn bulk_address_write_survives_hub_sigkill() {
    const N: usize = 1000;
    let mut hub = HubProcess::start("sigkill", N);
    let builder = hub.client("wohnungsamt").retry(RetryPolicy {
        max_attempts: 30,
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(500),
    });
    let w = builder.build_blocking().expect("client");
    // The feed already holds the creation of every seeded person; start after it.
    let abh = hub
        .client("auslaenderbehoerde")
        .without_journal()
        .build_blocking()
        .expect("client");
    let mut feed = abh.changes(0, Context::new("70").case("ABH-1"));
    for e in feed.by_ref() {
        e.expect("feed");
    }
    let cursor0 = feed.cursor();
    assert!(cursor0 >= N as u64);
    drop(feed);
    drop(abh);
    let updates: Vec<(String, Anschrift)> =
        (1..=N).map(|i| (format!("P{i:09}"), address(i))).collect();

    // Kill the hub twice while the batch runs, restarting it each time.
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let p2 = progress.clone();
    let dir = hub.dir.clone();
    let port = hub.port;
    let pid = hub.child.as_ref().map(|c| c.id()).expect("pid");
    let killer = std::thread::spawn(move || {
        let mut pid = pid;
        let mut kills = 0;
        let mut children = Vec::new();
        for threshold in [N / 4, N * 3 / 5] {
            let start = Instant::now();
            while p2.load(std::sync::atomic::Ordering::SeqCst) < threshold
                && start.elapsed() < Duration::from_secs(120)
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            kills += 1;
            std::thread::sleep(Duration::from_millis(300));
            let child = Command::new(FLDM)
                .args(["hub", "serve", "--config"])
                .arg(dir.join("hub.toml"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("restart");
            pid = child.id();
            children.push(child);
            let t = Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
                && t.elapsed() < Duration::from_secs(30)
            {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        (kills, children)
    });
    let report = w.sync_addresses("bulk-1", &updates, &ctx_w(), 4, |done, _| {
        progress.store(done, std::sync::atomic::Ordering::SeqCst);
    });
    let (kills, children) = killer.join().expect("killer");
    assert_eq!(kills, 2);
    assert!(
        report.failed.is_empty(),
        "failed after retries: {:?}",
        report.failed.iter().take(3).collect::<Vec<_>>()
    );
    assert_eq!(report.applied, N);
    // The original child was killed; adopt the last restarted one.
    hub.child = None;
    let mut children = children;
    let last = children.pop();
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
    hub.child = last;

    // Read the whole change feed as the foreigners' authority: every person
    // has exactly one address change, with the address of the batch.
    let abh = hub
        .client("auslaenderbehoerde")
        .without_journal()
        .build_blocking()
        .expect("client");
    let mut changes: BTreeMap<String, usize> = BTreeMap::new();
    for e in abh.changes(cursor0, Context::new("70").case("ABH-1")) {
        let e = e.expect("feed");
        if e.changed.iter().any(|c| c == "anschrift.aktuell") {
            let id = e.fldm_id.clone();
            let n: usize = id[1..].parse().expect("id number");
            assert_eq!(
                e.record
                    .as_ref()
                    .expect("a change carries its record")
                    .anschrift
                    .aktuell
                    .as_ref()
                    .map(|a| a.hausnummer.clone()),
                Some(address(n).hausnummer)
            );
            *changes.entry(id).or_default() += 1;
        }
    }
    assert_eq!(changes.len(), N, "every update present");
    assert!(changes.values().all(|&c| c == 1), "no update applied twice");
    hub.stop();
    let key = PublicKey::load(&hub.dir.join("hub-audit-signing.pub")).expect("key");
    let r = verify_dir(hub.dir.join("hub-audit"), &key).expect("verify");
    assert!(
        r.is_intact(),
        "hub journal after two SIGKILLs: {:?}",
        r.problems
    );
    let _ = Path::new("");
}

/// `fldm get`, `fldm search` and `fldm changes` with a profile written by
/// `fldm init-pki`, against a hub process.
#[test]
fn cli_client_commands_use_profiles() {
    let hub = HubProcess::start("cli", 300);
    let profile = hub.dir.join("wohnungsamt.profile.toml");
    let run = |args: &[&str]| {
        Command::new(FLDM)
            .args(args)
            .arg("--profile")
            .arg(&profile)
            .output()
            .expect("run fldm")
    };
    let o = run(&["get", "P000000001", "--purpose", "W01", "--case", "WA-7"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON disclosure");
    assert_eq!(v["record"]["fldm_id"], "P000000001");
    assert_eq!(v["decision"]["rule_id"], "wohnungsamt-identifikation");
    assert!(v["record"].get("azr_nummer").is_none());

    // Without purpose the tool refuses before sending; with a purpose the
    // rule does not cover, the hub denies (exit 1, reason code shown).
    let o = run(&["get", "P000000001"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("purpose"));
    let o = run(&["get", "P000000001", "--purpose", "27", "--case", "X"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no_matching_rule"));

    let d = fldm_synth::population(300, 11);
    let g = &d[0].grundpersonalien;
    let fam = g
        .familienname
        .as_ref()
        .and_then(|n| n.wert())
        .unwrap_or("Haddad")
        .to_string();
    let o = run(&[
        "search",
        "--purpose",
        "W01",
        "--case",
        "WA-7",
        "--familienname",
        &fam,
        "--limit",
        "3",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(!v["candidates"].as_array().expect("candidates").is_empty());

    let o = run(&[
        "changes",
        "--purpose",
        "W01",
        "--case",
        "WA-7",
        "--max",
        "5",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<&str> = std::str::from_utf8(&o.stdout)
        .expect("utf-8")
        .lines()
        .collect();
    assert_eq!(lines.len(), 5);
    for l in lines {
        let e: serde_json::Value = serde_json::from_str(l).expect("JSON line");
        assert!(
            e["record"].get("asyl").is_none(),
            "the housing office never sees asylum data"
        );
    }
    // Bulk write-back from a file; re-running the batch applies nothing twice.
    let file = hub.dir.join("addresses.jsonl");
    let lines: Vec<String> = (1..=20)
        .map(|i| {
            serde_json::json!({"fldm_id": format!("P{i:09}"), "anschrift": address(i)}).to_string()
        })
        .collect();
    std::fs::write(&file, lines.join("\n")).expect("write");
    for _ in 0..2 {
        let o = Command::new(FLDM)
            .args([
                "sync-addresses",
                "--purpose",
                "W01",
                "--case",
                "WA-7",
                "--batch",
                "b1",
            ])
            .arg("--profile")
            .arg(&profile)
            .arg(&file)
            .output()
            .expect("sync");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("20 of 20 addresses written back"));
    }
    let o = run(&[
        "changes",
        "--purpose",
        "W01",
        "--case",
        "WA-7",
        "--cursor",
        "300",
    ]);
    assert!(o.status.success());
    assert_eq!(
        std::str::from_utf8(&o.stdout)
            .expect("utf-8")
            .lines()
            .count(),
        20,
        "each update once"
    );
    // The CLI calls were journaled on the client side.
    assert!(
        hub.dir
            .join("journal-wohnungsamt")
            .join("entries.log")
            .exists()
    );
}

/// The README's main job: `fldm demo` completes and its journals verify.
#[test]
fn demo_completes_and_journals_verify() {
    let dir = std::env::temp_dir().join(format!("fldm-e2e-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = Command::new(FLDM)
        .args(["demo", "--persons", "500", "--keep"])
        .arg(&dir)
        .output()
        .expect("demo");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("journals verified: all intact"), "{out}");
    // The foreigners' authority imports its stock from a file, and the
    // same file again changes nothing.
    assert!(
        out.contains("   import: created 500, updated 0, unchanged 0, refused 0 ("),
        "{out}"
    );
    assert!(
        out.contains("   the same file again: created 0, updated 0, unchanged 500, refused 0 ("),
        "{out}"
    );
    // A deletion and a merge reach the housing office as tombstones; it
    // drops one copy and relinks the other.
    assert!(
        out.lines()
            .any(|l| l.contains(" deleted (ausreise): local copy of case ")),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.contains(" merged into ")
            && l.contains("(doppelerfassung): case ")
            && l.contains(" relinked to ")),
        "{out}"
    );
    assert!(
        out.contains("tombstones the housing office acted on: 2 (copies deleted: 1, relinked: 1)"),
        "{out}"
    );
    assert!(
        out.contains("retry with the same idempotency key applied once: true"),
        "{out}"
    );
    assert!(out.contains("(accepted: 1)"), "{out}");
    // The access report finds the person's search, read, write-back and
    // correction records, several of them disclosures.
    let report = out
        .lines()
        .find_map(|l| l.strip_prefix("  access report (DSGVO Art. 15) for one person: "))
        .expect("access report line");
    let records: usize = report
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("count");
    assert!(records >= 4, "{report}");
    // What was kept verifies with `fldm audit verify` too.
    let o = Command::new(FLDM)
        .args(["audit", "verify"])
        .arg(dir.join("hub-audit"))
        .arg("--public-key")
        .arg(dir.join("hub-audit-signing.pub"))
        .output()
        .expect("verify");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}
