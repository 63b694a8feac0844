//! Bulk loading and point reads of the hub store, each against a baseline
//! measured in the same run: plain SQLite with the same durability settings
//! and a table of (fldm_id, JSON text) only.
//!
//! `cargo bench -p fldm-hub --bench seed -- [COUNT]` (default 100,000 synthetic persons).

use std::time::{Duration, Instant};

use fldm_core::codec::json;
use fldm_core::record::Person;
use fldm_hub::store::{Store, StoreOptions};
use rusqlite::{Connection, params};

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fldm-hub-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn baseline_seed(path: &std::path::Path, persons: &[Person]) -> Duration {
    let mut c = Connection::open(path).expect("open");
    c.pragma_update(None, "journal_mode", "WAL").expect("wal");
    c.pragma_update(None, "synchronous", "FULL").expect("sync");
    c.execute_batch(
        "CREATE TABLE persons (fldm_id TEXT PRIMARY KEY NOT NULL, record TEXT NOT NULL) STRICT",
    )
    .expect("schema");
    let start = Instant::now();
    let tx = c.transaction().expect("tx");
    {
        let mut st = tx
            .prepare("INSERT INTO persons (fldm_id, record) VALUES (?1, ?2)")
            .expect("prepare");
        for p in persons {
            st.execute(params![p.fldm_id.as_str(), json::person_to_json(p)])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
    start.elapsed()
}

fn baseline_reads(path: &std::path::Path, persons: &[Person], reads: usize) -> Duration {
    let c = Connection::open(path).expect("open");
    let start = Instant::now();
    for i in 0..reads {
        let p = &persons[(i * 7919) % persons.len()];
        let text: String = c
            .query_row(
                "SELECT record FROM persons WHERE fldm_id = ?1",
                [p.fldm_id.as_str()],
                |r| r.get(0),
            )
            .expect("read");
        let decoded = json::person_from_json(&text, json::Strictness::Strict).expect("decode");
        std::hint::black_box(decoded);
    }
    start.elapsed()
}

fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let reads = count.min(20_000);
    eprintln!("generating {count} synthetic persons ...");
    let persons = fldm_synth::population(count, 2026);

    let start = Instant::now();
    let keys: usize = persons
        .iter()
        .map(|p| fldm_core::matching::blocking_keys(p).len())
        .sum();
    let key_time = start.elapsed();
    let base = baseline_seed(&temp_path("baseline.sqlite"), &persons);
    let base_reads = baseline_reads(&temp_path("baseline.sqlite"), &persons, reads);

    let mut results = Vec::new();
    for (name, keys) in [
        ("store, no search keys", None),
        (
            "store, matching::blocking_keys",
            Some(fldm_core::matching::blocking_keys as fn(&Person) -> Vec<String>),
        ),
    ] {
        let path = temp_path(&format!("store-{}.sqlite", results.len()));
        let store = Store::open(
            &path,
            StoreOptions {
                search_keys: keys,
                ..StoreOptions::default()
            },
        )
        .expect("open store");
        let start = Instant::now();
        store.seed(persons.iter().cloned(), "bench").expect("seed");
        let seeded = start.elapsed();
        let start = Instant::now();
        for i in 0..reads {
            let p = &persons[(i * 7919) % persons.len()];
            std::hint::black_box(store.get(&p.fldm_id).expect("get"));
        }
        results.push((name, seeded, start.elapsed()));
    }

    println!("hub store, {count} persons, {reads} point reads");
    println!(
        "{:<34} {:>12} {:>8} {:>14} {:>8}",
        "", "seed pers/s", "ratio", "reads/s", "ratio"
    );
    println!(
        "{:<34} {:>12.0} {:>8.2} {:>14.0} {:>8.2}",
        "baseline (id + JSON table)",
        rate(count, base),
        1.0,
        rate(reads, base_reads),
        1.0
    );
    println!(
        "(computing blocking_keys alone: {:.0} persons/s, {:.1} keys per person)",
        rate(count, key_time),
        keys as f64 / count as f64
    );
    for (name, seeded, read) in results {
        println!(
            "{:<34} {:>12.0} {:>8.2} {:>14.0} {:>8.2}",
            name,
            rate(count, seeded),
            rate(count, seeded) / rate(count, base),
            rate(reads, read),
            rate(reads, read) / rate(reads, base_reads)
        );
    }
    let _ = std::fs::remove_dir_all(
        temp_path("x")
            .parent()
            .unwrap_or(std::path::Path::new("/nonexistent")),
    );
}
