//! `fldm hub import` and `fldm hub expire` on a hub's database, and the
//! deletion-deadline sweep of `fldm hub serve`: output lines, exit codes,
//! audit records, and the refusal while a hub holds the journal.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fldm_core::audit::{AuditRecord, Operation, PublicKey, ReadEntry, read_entries, verify_dir};
use serde_json::{Value, json};

const FLDM: &str = env!("CARGO_BIN_EXE_fldm");

/// A directory with a development PKI and `hub.toml` (`fldm init-pki`),
/// removed when dropped.
struct HubDir {
    dir: PathBuf,
    port: u16,
}

impl HubDir {
    fn new(name: &str) -> HubDir {
        let dir = std::env::temp_dir().join(format!("fldm-hublc-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let policy = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/reference.toml");
        let st = Command::new(FLDM)
            .arg("init-pki")
            .arg(&dir)
            .arg("--policy")
            .arg(policy)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .status()
            .expect("init-pki");
        assert!(st.success());
        HubDir { dir, port }
    }

    fn config(&self) -> PathBuf {
        self.dir.join("hub.toml")
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    /// `fldm hub import` as the Ausländerbehörde with `extra` arguments.
    fn import(&self, file: &Path, extra: &[&str]) -> Output {
        Command::new(FLDM)
            .args(["hub", "import", "--config"])
            .arg(self.config())
            .args([
                "--office",
                "auslaenderbehoerde",
                "--purpose",
                "70",
                "--case",
                "ABH-2026-1",
            ])
            .args(extra)
            .arg(file)
            .output()
            .expect("run")
    }

    fn expire(&self, extra: &[&str]) -> Output {
        Command::new(FLDM)
            .args(["hub", "expire", "--config"])
            .arg(self.config())
            .args(extra)
            .output()
            .expect("run")
    }

    fn audit(&self) -> Vec<AuditRecord> {
        read_entries(self.dir.join("hub-audit"))
            .expect("read journal")
            .into_iter()
            .filter_map(|e| match e {
                ReadEntry::Entry(e) => Some(e.record),
                _ => None,
            })
            .collect()
    }

    fn verify(&self) {
        let key = PublicKey::load(&self.dir.join("hub-audit-signing.pub")).expect("key");
        let r = verify_dir(self.dir.join("hub-audit"), &key).expect("verify");
        assert!(r.is_intact(), "{:?}", r.problems);
    }

    fn serve(&self) -> Child {
        let child = Command::new(FLDM)
            .args(["hub", "serve", "--config"])
            .arg(self.config())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("hub serve");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "hub did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        child
    }
}

impl Drop for HubDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn rec(azr: &str, name: &str) -> Value {
    json!({"azr_nummer": azr, "grundpersonalien": {"familienname": name, "vornamen": "Rana", "geburtsdatum": "1990", "geschlecht": "w", "staatsangehoerigkeiten": ["475"]}})
}

fn lines(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn last_line(o: &Output) -> String {
    stdout(o).lines().last().unwrap_or("").to_string()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

#[test]
fn import_prints_counts_refusals_and_exits_by_outcome() {
    let h = HubDir::new("import");
    let stock = [
        rec("230517000501", "Haddad"),
        rec("230517000502", "Nasser"),
        rec("230517000503", "Khalil"),
    ];
    let file = h.write("stock.jsonl", &lines(&stock));
    let o = h.import(&file, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        last_line(&o),
        "created 3, updated 0, unchanged 0, refused 0"
    );
    let o = h.import(&file, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        last_line(&o),
        "created 0, updated 0, unchanged 3, refused 0"
    );

    // Refusals: on stderr by index, field and reason; exit 1.
    let bad = format!(
        "{}\n{}\n{}\n",
        rec("230517000504", "Saleh"),
        json!({"grundpersonalien": {"familienname": "Darwish"}}),
        rec("230517000504", "Saleh"),
    );
    let file2 = h.write("bad.jsonl", &bad);
    let o = h.import(&file2, &[]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        last_line(&o),
        "created 1, updated 0, unchanged 0, refused 2"
    );
    let err = stderr(&o);
    assert!(err.contains("record 1: azr_nummer: missing_key"), "{err}");
    assert!(err.contains("record 2: azr_nummer: duplicate_key"), "{err}");
    assert!(!err.contains("Darwish") && !err.contains("Saleh"), "{err}");

    // Usage and I/O errors: exit 2.
    let o = h.import(&h.dir.join("nonexistent.jsonl"), &[]);
    assert_eq!(code(&o), 2);
    let o = h.import(&file, &["--format", "csv"]);
    assert_eq!(code(&o), 2);
    let o = h.import(&file, &["--delete-missing"]);
    assert_eq!(code(&o), 2, "--delete-missing needs --full");
    // Without the case reference the policy's import rule denies: every
    // record is refused, exit 1 (as `fldm import`).
    let o = Command::new(FLDM)
        .args(["hub", "import", "--config"])
        .arg(h.config())
        .args(["--office", "auslaenderbehoerde", "--purpose", "70"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("case_reference_required"),
        "{}",
        stderr(&o)
    );

    // Audit: created as collect, re-imported as change, the denial too.
    let audit = h.audit();
    let ops: Vec<Operation> = audit.iter().map(|r| r.operation).collect();
    assert!(ops.contains(&Operation::Collect) && ops.contains(&Operation::Change));
    assert!(
        audit
            .iter()
            .all(|r| r.requesting_office == "auslaenderbehoerde")
    );
    assert!(
        audit
            .iter()
            .any(|r| r.outcome.reason.as_deref() == Some("case_reference_required"))
    );
    h.verify();
}

#[test]
fn full_stock_reports_lists_and_deletes_what_the_file_lacks() {
    let h = HubDir::new("full");
    let all = [
        rec("230517000601", "Haddad"),
        rec("230517000602", "Nasser"),
        rec("230517000603", "Khalil"),
    ];
    let o = h.import(&h.write("all.jsonl", &lines(&all)), &[]);
    assert_eq!(code(&o), 0);
    let part = h.write("part.jsonl", &lines(&all[..2]));
    let o = h.import(&part, &["--full"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.lines().any(|l| l == "missing 1"), "{out}");
    assert_eq!(
        last_line(&o),
        "created 0, updated 0, unchanged 2, refused 0"
    );
    let o = h.import(&part, &["--full", "--list-missing"]);
    let out = stdout(&o);
    let listed: Vec<&str> = out.lines().filter(|l| l.starts_with('P')).collect();
    assert_eq!(listed.len(), 1, "{out}");
    assert!(!out.contains("Khalil"));
    let o = h.import(&part, &["--full", "--delete-missing"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).lines().any(|l| l == "deleted 1"),
        "{}",
        stdout(&o)
    );
    let o = h.import(&part, &["--full"]);
    assert!(
        stdout(&o).lines().any(|l| l == "missing 0"),
        "{}",
        stdout(&o)
    );
    let deletions: Vec<AuditRecord> = h
        .audit()
        .into_iter()
        .filter(|r| r.operation == Operation::Delete)
        .collect();
    assert_eq!(deletions.len(), 1);
    assert_eq!(deletions[0].outcome.reason.as_deref(), Some("abgang"));
    h.verify();
}

#[test]
fn expire_prints_counts_per_rule_only() {
    let h = HubDir::new("expire");
    let mut left = rec("230517000701", "Haddad");
    left["aufenthalt"] = json!({"ausreisedatum": "2010-01-15"});
    let mut died = rec("230517000702", "Nasser");
    died["aufenthalt"] = json!({"sterbedatum": "2015-05-01"});
    let stays = rec("230517000703", "Khalil");
    let o = h.import(&h.write("s.jsonl", &lines(&[left, died, stays])), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    let o = h.expire(&["--dry-run", "--today", "2019-12-31"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "due 0 (dry run)\n");
    let o = h.expire(&["--dry-run", "--today", "2026-12-03"]);
    assert_eq!(
        stdout(&o),
        "abh-ausreise: 1\nabh-tod: 1\ndue 2 (dry run)\n",
        "{}",
        stderr(&o)
    );
    let o = h.expire(&["--today", "2026-12-03"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "abh-ausreise: 1\nabh-tod: 1\nexpired 2\n");
    let o = h.expire(&["--today", "2026-12-03"]);
    assert_eq!(stdout(&o), "expired 0\n");
    let o = h.expire(&["--today", "2026-13-01"]);
    assert_eq!(code(&o), 2);

    let deletions: Vec<AuditRecord> = h
        .audit()
        .into_iter()
        .filter(|r| r.operation == Operation::Delete)
        .collect();
    assert_eq!(deletions.len(), 2);
    let mut rules: Vec<&str> = deletions
        .iter()
        .map(|r| r.rule_id.as_deref().unwrap_or(""))
        .collect();
    rules.sort();
    assert_eq!(rules, ["abh-ausreise", "abh-tod"]);
    for r in &deletions {
        assert_eq!(r.outcome.reason.as_deref(), Some("frist"));
        assert_eq!(r.requesting_office, "auslaenderbehoerde");
        assert!(
            r.legal_basis
                .as_deref()
                .is_some_and(|l| l.contains("AZRG-DV"))
        );
        assert!(r.subject_ref.is_some());
    }
    h.verify();
}

#[test]
fn a_running_hub_holds_the_journal_and_sweeps_due_records() {
    let h = HubDir::new("serve");
    let mut left = rec("230517000801", "Haddad");
    left["aufenthalt"] = json!({"ausreisedatum": "2010-01-15"});
    let file = h.write("s.jsonl", &lines(&[left, rec("230517000802", "Nasser")]));
    let o = h.import(&file, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    // init-pki writes a development configuration with the sweep off.
    let config = std::fs::read_to_string(h.config()).expect("config");
    assert!(config.contains("[expiry]\nenabled = false\n"), "{config}");
    std::fs::write(
        h.config(),
        config.replace("[expiry]\nenabled = false\n", "[expiry]\nenabled = true\n"),
    )
    .expect("write config");
    let hub = h.serve();
    // The journal is in use: the import refuses and writes nothing.
    let before = h.audit().len();
    let o = h.import(&file, &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("in use"), "{}", stderr(&o));
    let o = h.expire(&["--dry-run"]);
    assert_eq!(code(&o), 2);

    // The first sweep runs shortly after the start.
    let start = Instant::now();
    let swept = loop {
        // The hub may be appending: a read that meets a frame in flight
        // counts as "not yet".
        let deletions = read_entries(h.dir.join("hub-audit"))
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| {
                        matches!(e, ReadEntry::Entry(e) if e.record.operation == Operation::Delete)
                    })
                    .count()
            })
            .unwrap_or(0);
        if deletions > 0 || start.elapsed() > Duration::from_secs(60) {
            break deletions;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    stop(hub);
    assert_eq!(swept, 1);
    assert!(h.audit().len() > before);
    h.verify();
    // Stopped, the journal is free again.
    let o = h.expire(&["--dry-run"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "due 0 (dry run)\n");
}
