//! `fldm bench codec`: JSON and XML encode/decode of synthetic records,
//! beside serde_json on a plain struct whose JSON has the same size,
//! measured in the same run.

use std::process::ExitCode;
use std::time::Duration;

use fldm_core::codec::{json, xml};
use fldm_core::record::Person;
use serde::{Deserialize, Serialize};

use super::best;
use crate::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of synthetic records.
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Repetitions; the best run of each measurement is reported.
    #[arg(long, default_value_t = 3)]
    runs: u32,
}

/// The baseline: a flat struct of strings and numbers, no validation.
#[derive(Debug, Serialize, Deserialize)]
struct Plain {
    id: String,
    n: u64,
    texts: Vec<String>,
}

fn plain_like(json_len: usize, i: usize) -> Plain {
    // 5 strings; the JSON overhead of the struct is about 40 bytes.
    let body = json_len.saturating_sub(40 + 5 * 3);
    let each = body / 5;
    Plain {
        id: format!("P{i}"),
        n: i as u64,
        texts: (0..5)
            .map(|k| "x".repeat(if k == 0 { body - 4 * each } else { each }))
            .collect(),
    }
}

struct Row {
    name: &'static str,
    dur: Duration,
    bytes: usize,
    records: usize,
}

impl Row {
    fn mb_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.dur.as_secs_f64()
    }
    fn rec_s(&self) -> f64 {
        self.records as f64 / self.dur.as_secs_f64()
    }
}

pub fn run(a: Args) -> CmdResult {
    eprintln!(
        "generating {} synthetic records (seed {}) ...",
        a.count, a.seed
    );
    let persons: Vec<Person> = fldm_synth::Population::new(a.seed).take(a.count).collect();
    let n = persons.len();

    let (enc_json, jsonl) = {
        let mut out = Vec::new();
        let (d, _) = best(a.runs, || {
            out.clear();
            json::write_jsonl(&mut out, persons.iter())
                .map(|_| out.len())
                .unwrap_or(0)
        });
        (d, out)
    };
    let jsonl = String::from_utf8(jsonl)?;
    let (dec_json, decoded) = best(a.runs, || {
        json::read_jsonl(&jsonl, json::Strictness::Strict)
            .map(|v| v.len())
            .unwrap_or(0)
    });
    if decoded != n {
        return Err("JSON decode failed during the benchmark".into());
    }

    let mut xml_text = String::new();
    let (enc_xml, _) = best(a.runs, || {
        xml_text = xml::to_xml(&persons);
        xml_text.len()
    });
    let (dec_xml, decoded) = best(a.runs, || {
        xml::from_xml(&xml_text).map(|v| v.len()).unwrap_or(0)
    });
    if decoded != n {
        return Err("XML decode failed during the benchmark".into());
    }

    // Baseline with the same total JSON size.
    let lens: Vec<usize> = jsonl.lines().map(str::len).collect();
    let plain: Vec<Plain> = lens
        .iter()
        .enumerate()
        .map(|(i, &l)| plain_like(l, i))
        .collect();
    let mut plain_text = String::new();
    let (enc_plain, _) = best(a.runs, || {
        plain_text.clear();
        for p in &plain {
            plain_text.push_str(&serde_json::to_string(p).unwrap_or_default());
            plain_text.push('\n');
        }
        plain_text.len()
    });
    let (dec_plain, decoded) = best(a.runs, || {
        plain_text
            .lines()
            .filter(|l| serde_json::from_str::<Plain>(l).is_ok())
            .count()
    });
    if decoded != n {
        return Err("baseline decode failed".into());
    }

    let rows = [
        Row {
            name: "baseline serde_json encode (plain struct)",
            dur: enc_plain,
            bytes: plain_text.len(),
            records: n,
        },
        Row {
            name: "baseline serde_json decode (plain struct)",
            dur: dec_plain,
            bytes: plain_text.len(),
            records: n,
        },
        Row {
            name: "JSON encode (Kerndatensatz)",
            dur: enc_json,
            bytes: jsonl.len(),
            records: n,
        },
        Row {
            name: "JSON decode + validate",
            dur: dec_json,
            bytes: jsonl.len(),
            records: n,
        },
        Row {
            name: "XML encode (XÖV)",
            dur: enc_xml,
            bytes: xml_text.len(),
            records: n,
        },
        Row {
            name: "XML decode + validate",
            dur: dec_xml,
            bytes: xml_text.len(),
            records: n,
        },
    ];
    println!(
        "fldm bench codec: {n} records, JSON {:.1} MB, baseline JSON {:.1} MB, XML {:.1} MB (best of {})",
        jsonl.len() as f64 / 1e6,
        plain_text.len() as f64 / 1e6,
        xml_text.len() as f64 / 1e6,
        a.runs
    );
    println!(
        "{:<44} {:>12} {:>10} {:>22}",
        "measurement", "records/s", "MB/s", "ratio to baseline (rec/s)"
    );
    for (i, r) in rows.iter().enumerate() {
        let base = if i % 2 == 0 { &rows[0] } else { &rows[1] };
        println!(
            "{:<44} {:>12.0} {:>10.1} {:>22.2}",
            r.name,
            r.rec_s(),
            r.mb_s(),
            r.rec_s() / base.rec_s()
        );
    }
    Ok(ExitCode::SUCCESS)
}
