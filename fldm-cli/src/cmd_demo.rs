//! `fldm demo`: the housing-office story end to end on 127.0.0.1.
//!
//! Starts a reference hub with TLS and a fresh SQLite database, seeds a
//! synthetic population, then, with real mTLS clients: the housing office
//! links a few local cases by search, fetches their filtered records and
//! writes back an address; the social-welfare office reads the change feed;
//! the housing office reports a correction that the foreigners' authority
//! lists and accepts; the data-protection office asks the hub who received
//! one person's data (DSGVO Art. 15); finally the hub journal and every
//! client journal are verified.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use fldm_client::Context;
use fldm_client::blocking::HubClient;
use fldm_client::wire::{CorrectionReport, CorrectionStatus, SearchRequest};
use fldm_core::attribute;
use fldm_core::audit::{PublicKey, verify_dir};
use fldm_core::record::{Anschrift, NamePart, Person, Postleitzahl, Text};

use crate::CmdResult;
use crate::cmd_hub::{self, HUB_CONFIG_FILE, HUB_PUBLIC_KEY};

/// The reference policy, built in so that the demo runs from anywhere.
pub const REFERENCE_POLICY: &str = include_str!("../../policies/reference.toml");

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of synthetic persons in the hub.
    #[arg(long, default_value_t = 10_000)]
    persons: usize,
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Keep PKI, configuration, database, journals and keys in DIR (default:
    /// a temporary directory that is removed at the end).
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Number of local housing cases to link.
    #[arg(long, default_value_t = 5)]
    cases: usize,
}

fn client(
    dir: &Path,
    office: &str,
    base_url: &str,
) -> Result<HubClient, Box<dyn std::error::Error>> {
    Ok(cmd_hub::office_client(dir, office, base_url)
        .user(format!("{office}-demo"))
        .journal_dir(dir.join(format!("journal-{office}")))
        .journal_signing_key(dir.join(format!("{office}-audit-signing.pk8")))
        .journal_pseudonym_key(dir.join(format!("{office}-pseudonym.key")))
        .build_blocking()?)
}

fn name(p: &Option<NamePart>) -> Option<String> {
    p.as_ref().and_then(|n| n.wert()).map(str::to_string)
}

fn query_of(case: &Person) -> SearchRequest {
    let g = &case.grundpersonalien;
    SearchRequest {
        familienname: name(&g.familienname),
        vornamen: name(&g.vornamen),
        geburtsdatum: g
            .geburtsdatum
            .as_ref()
            .filter(|d| d.year().is_some())
            .map(|d| d.to_text()),
        geschlecht: g.geschlecht.map(|x| x.as_str().to_string()),
        staatsangehoerigkeit: g
            .staatsangehoerigkeiten
            .first()
            .map(|s| s.as_str().to_string()),
        limit: Some(5),
    }
}

pub fn run(a: DemoArgs) -> CmdResult {
    let started = Instant::now();
    let (dir, _cleanup) = cmd_hub::work_dir(a.keep.as_deref(), "fldm-demo")?;
    println!("FLDM demo: reference hub and the housing-office story on 127.0.0.1");
    println!("  working directory: {}", dir.display());

    // 1. PKI, keys, configuration.
    let policy_path = dir.join("policy.toml");
    std::fs::write(&policy_path, REFERENCE_POLICY)?;
    let policy = cmd_hub::init_pki(&dir, &policy_path, "127.0.0.1:8443", &[])?;
    for f in ["hub.sqlite", "hub.sqlite-wal", "hub.sqlite-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    for d in [
        "hub-audit",
        "journal-wohnungsamt",
        "journal-sozialamt",
        "journal-auslaenderbehoerde",
        "journal-datenschutz",
    ] {
        let _ = std::fs::remove_dir_all(dir.join(d));
    }
    println!(
        "\n1. Development PKI: CA, hub certificate, {} office certificates; policy {} (hash {}...)",
        policy.offices().len(),
        policy.id(),
        &policy.hash()[..12]
    );

    // 2. The hub on an ephemeral port.
    let mut config = fldm_hub::config::HubConfig::load(dir.join(HUB_CONFIG_FILE))?;
    config.listen = "127.0.0.1:0".parse()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let hub = rt.block_on(fldm_hub::Hub::start(config))?;
    let base_url = format!("https://{}", hub.local_addr());
    let t = Instant::now();
    let seeded = hub.load_persons(fldm_synth::Population::new(a.seed).take(a.persons))?;
    println!(
        "2. Hub listening on {base_url} (TLS 1.3/1.2, client certificates required); seeded {seeded} synthetic persons in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let story = play(&dir, &base_url, &a);
    rt.block_on(hub.shutdown());
    let story = story?;

    // 7. Verify the journals offline.
    println!("\n7. Verifying the audit journals offline");
    let mut all_intact = true;
    let mut journals = vec![(
        "hub".to_string(),
        dir.join("hub-audit"),
        dir.join(HUB_PUBLIC_KEY),
    )];
    for o in [
        "wohnungsamt",
        "sozialamt",
        "auslaenderbehoerde",
        "datenschutz",
    ] {
        journals.push((
            format!("client {o}"),
            dir.join(format!("journal-{o}")),
            dir.join(format!("{o}-audit-signing.pub")),
        ));
    }
    for (label, jdir, key) in &journals {
        let key = PublicKey::load(key)?;
        let r = verify_dir(jdir, &key)?;
        all_intact &= r.is_intact();
        println!(
            "   {label:<28} {:>5} entries, {} signed checkpoints verified, {}",
            r.entries,
            r.checkpoints_verified,
            if r.is_intact() { "intact" } else { "TAMPERED" }
        );
        for p in r.problems.iter().take(5) {
            println!("     problem: {p}");
        }
    }

    println!("\nReport");
    println!(
        "  cases linked correctly: {}/{}",
        story.linked_correctly, story.cases
    );
    println!(
        "  attributes the housing office received: {}",
        story.wohnungsamt_attributes.join(", ")
    );
    println!(
        "  address write-backs: {} (retry with the same idempotency key applied once: {})",
        story.writes, story.retry_applied_once
    );
    println!(
        "  change-feed entries seen by the social-welfare office: {}",
        story.feed_entries
    );
    println!(
        "  corrections open at the foreigners' authority: {} (accepted: {})",
        story.open_corrections, story.corrections_accepted
    );
    println!(
        "  access report (DSGVO Art. 15) for one person: {} journal records, {} of them disclosures",
        story.report_records, story.report_disclosures
    );
    println!(
        "  journals verified: {}",
        if all_intact {
            "all intact"
        } else {
            "PROBLEMS FOUND"
        }
    );
    println!("  total time: {:.1} s", started.elapsed().as_secs_f64());
    if let Some(d) = &a.keep {
        println!(
            "  kept in {}: restart the hub with `fldm hub serve --config {}`",
            d.display(),
            d.join(HUB_CONFIG_FILE).display()
        );
    }
    Ok(if all_intact && story.linked_correctly > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

struct Story {
    cases: usize,
    linked_correctly: usize,
    wohnungsamt_attributes: Vec<String>,
    writes: usize,
    retry_applied_once: bool,
    feed_entries: usize,
    open_corrections: usize,
    corrections_accepted: usize,
    report_records: usize,
    report_disclosures: usize,
}

fn play(dir: &Path, base_url: &str, a: &DemoArgs) -> Result<Story, Box<dyn std::error::Error>> {
    let wohnungsamt = client(dir, "wohnungsamt", base_url)?;
    let sozialamt = client(dir, "sozialamt", base_url)?;
    let abh = client(dir, "auslaenderbehoerde", base_url)?;
    let datenschutz = client(dir, "datenschutz", base_url)?;
    let ctx_w = |n: usize| Context::new("W01").case(format!("WA-2026-{:04}", 815 + n));

    // 3. Link local cases by search. The housing office's own case list has
    // other spellings and coarser birth dates than the hub.
    println!(
        "\n3. Housing office (wohnungsamt, purpose W01): linking {} local cases by search",
        a.cases
    );
    let population = fldm_synth::population(a.persons.min(2000), a.seed);
    let step = (population.len() / a.cases.max(1)).max(1);
    let mut linked = Vec::new();
    let mut correct = 0;
    for (n, true_person) in population.iter().step_by(step).take(a.cases).enumerate() {
        let local = fldm_synth::local_case_variant(true_person, a.seed + n as u64);
        let q = query_of(&local);
        let r = wohnungsamt.search(&q, &ctx_w(n))?;
        let best = r.candidates.first();
        let hit = best.is_some_and(|c| c.record.fldm_id == true_person.fldm_id);
        correct += usize::from(hit);
        println!(
            "   case {}: {} candidates, best {} (p = {:.3}){}",
            n + 1,
            r.candidates.len(),
            best.map_or("-".to_string(), |c| c.record.fldm_id.to_string()),
            best.map_or(0.0, |c| c.probability),
            if hit {
                ", the right person"
            } else {
                ", not the right person"
            }
        );
        if let Some(c) = best {
            linked.push(c.record.fldm_id.to_string());
        }
    }

    // 4. Fetch the filtered records.
    println!("\n4. Fetching the linked records (filtered by the policy)");
    let mut received = Vec::new();
    for (n, id) in linked.iter().enumerate() {
        let d = wohnungsamt.get_person(id, &ctx_w(n))?;
        let names: Vec<String> = attribute::present(&d.record)
            .names()
            .into_iter()
            .map(String::from)
            .collect();
        if n == 0 {
            println!(
                "   rule {} ({} {}): {}",
                d.decision.rule_id,
                d.decision.legal_basis.section,
                d.decision.legal_basis.law,
                names.join(", ")
            );
        }
        for nm in names {
            if !received.contains(&nm) {
                received.push(nm);
            }
        }
    }
    println!(
        "   {} records fetched; the housing office never sees birthplace, AZR-Nummer, documents or health data",
        linked.len()
    );

    // 5. Address write-back, retried once with the same key.
    let mut writes = 0;
    let mut retry_applied_once = true;
    println!("\n5. Writing back new addresses after placement");
    for (n, id) in linked.iter().take(3).enumerate() {
        let addr = Anschrift {
            strasse: Some(Text::parse("Vogelsanger Straße")?),
            hausnummer: Some(Text::parse(&format!("{}", 100 + n))?),
            postleitzahl: Some(Postleitzahl::parse("50823")?),
            ort: Some(Text::parse("Köln")?),
            einzugsdatum: Some(fldm_core::date::Datum::parse("2026-07-01")?),
            ..Anschrift::default()
        };
        let key = format!("demo-placement-{id}");
        let first = wohnungsamt.update_address(id, &addr, &ctx_w(n), Some(&key))?;
        let again = wohnungsamt.update_address(id, &addr, &ctx_w(n), Some(&key))?;
        retry_applied_once &= first.version == again.version && again.fldm_id == *id;
        writes += 1;
    }
    println!("   {writes} addresses written back (each sent twice with one idempotency key)");

    println!("\n   Social-welfare office (sozialamt, purpose 62) reads the change feed");
    let mut feed_entries = 0;
    let mut last = None;
    for e in sozialamt.changes(0, Context::new("62").case("SO-2026-0042")) {
        let e = e?;
        feed_entries += 1;
        if e.changed.iter().any(|c| c == "anschrift.aktuell") && linked.contains(&e.fldm_id) {
            last = Some(e);
        }
    }
    if let Some(e) = last {
        println!(
            "   {feed_entries} entries; e.g. seq {} for {}: changed {}",
            e.seq,
            e.fldm_id,
            e.changed.join(", ")
        );
    } else {
        println!("   {feed_entries} entries");
    }

    // Correction.
    let (mut open, mut accepted) = (0, 0);
    let (mut report_records, mut report_disclosures) = (0, 0);
    if let Some(id) = linked.first() {
        let report = CorrectionReport {
            attributes: vec!["grundpersonalien.geburtsname".into()],
            note: "Geburtsname laut vorgelegter Heiratsurkunde abweichend; bitte prüfen.".into(),
        };
        let c = wohnungsamt.report_correction(
            id,
            &report,
            &ctx_w(0),
            Some(&format!("demo-correction-{id}")),
        )?;
        println!(
            "\n   Housing office reports a correction (Berichtigung) #{} for {id}",
            c.id
        );
        let list = abh.corrections(
            Some(CorrectionStatus::Open),
            &Context::new("70").case("ABH-2026-0001"),
        )?;
        open = list.len();
        println!("   foreigners' authority lists {open} open correction(s)");
        for item in &list {
            let d = abh.decide_correction(
                item.id,
                CorrectionStatus::Accepted,
                &Context::new("70").case("ABH-2026-0001"),
                Some(&format!("demo-decision-{}", item.id)),
            )?;
            accepted += usize::from(d.status == CorrectionStatus::Accepted);
        }
        println!(
            "   and accepts {accepted} (it corrects the record itself, which reaches everyone through the change feed)"
        );

        // 6. Data-subject access (DSGVO Art. 15, AZRG § 34).
        let r = datenschutz.access_report(id, &Context::new("D01").case("DS-2026-0001"))?;
        report_records = r.entries.len();
        report_disclosures = r.entries.iter().filter(|e| e.recipient.is_some()).count();
        println!(
            "\n6. Data-protection office (datenschutz, purpose D01): access report for {id}, {report_records} records in the hub journal:"
        );
        for e in &r.entries {
            println!(
                "     {}  {:<8}  {:<20}  purpose {:<4}  {:<9}  {}",
                e.time,
                e.operation,
                e.requesting_office,
                e.purpose,
                e.outcome,
                e.legal_basis.as_deref().unwrap_or("-")
            );
        }
    }
    for c in [&wohnungsamt, &sozialamt, &abh, &datenschutz] {
        c.journal_checkpoint()?;
    }
    Ok(Story {
        cases: a.cases,
        linked_correctly: correct,
        wohnungsamt_attributes: received,
        writes,
        retry_applied_once,
        feed_entries,
        open_corrections: open,
        corrections_accepted: accepted,
        report_records,
        report_disclosures,
    })
}
