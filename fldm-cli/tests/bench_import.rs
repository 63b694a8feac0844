//! A short run of `fldm bench import`: every phase runs and imports every
//! record (created, then unchanged), and the ratios are printed. No timing
//! is checked: a benchmark is not a test.

use std::process::Command;

const FLDM: &str = env!("CARGO_BIN_EXE_fldm");

#[test]
fn bench_import_runs_every_phase() {
    let o = Command::new(FLDM)
        .args(["bench", "import", "--persons", "2000", "--batch", "500"])
        .output()
        .expect("run fldm bench import");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let created = "(created 2000, updated 0, unchanged 0, refused 0)";
    let unchanged = "(created 0, updated 0, unchanged 2000, refused 0)";
    for (prefix, counts) in [
        ("  (b) hub import service, direct:", created),
        ("  (a) over HTTPS, fldm-client import_file:", created),
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(prefix) && l.ends_with(counts)),
            "{prefix}\n{out}"
        );
    }
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("      the same file again:") && l.ends_with(unchanged))
            .count(),
        2,
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("  (c) baseline, raw SQLite insert of the lines:")),
        "{out}"
    );
    assert!(out.contains("ratios of records/s: (a)/(c) "), "{out}");
}
