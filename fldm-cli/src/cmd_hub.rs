//! `fldm init-pki` and `fldm hub serve | seed | import | expire`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use fldm_core::audit::{PseudonymKey, SigningKey};
use fldm_core::policy::Policy;

use crate::CmdResult;

#[derive(Debug, Args)]
pub struct InitPkiArgs {
    /// Directory to write into (created if needed; existing files are replaced).
    dir: PathBuf,
    /// The policy whose offices get client certificates.
    #[arg(long)]
    policy: PathBuf,
    /// Address the hub will listen on (written into hub.toml).
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: String,
    /// Extra DNS names for the hub certificate (localhost and 127.0.0.1 are always included).
    #[arg(long = "hub-name")]
    hub_names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The hub configuration (TOML).
    #[arg(long)]
    config: PathBuf,
    /// The importing (owning) office, as named in the policy.
    #[arg(long)]
    office: String,
    /// Purpose code of the import (the Ausländerbehörde's: 70).
    #[arg(long)]
    purpose: String,
    /// Case reference for the audit records.
    #[arg(long)]
    case: Option<String>,
    /// Retrieving person for the audit records.
    #[arg(long, default_value = "fldm-hub-import")]
    user: String,
    /// Input format: json (JSON lines) or xml; default from the file name (.xml is XML).
    #[arg(long)]
    format: Option<String>,
    /// The file is the office's whole stock: report records of the office that it lacks.
    #[arg(long)]
    full: bool,
    /// With --full: delete the records the file lacks (reason `abgang`).
    #[arg(long, requires = "full")]
    delete_missing: bool,
    /// With --full: print the FLDM ids of the records the file lacks.
    #[arg(long, requires = "full")]
    list_missing: bool,
    /// JSON lines or an XML list of records (no FLDM ids needed).
    file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExpireArgs {
    /// The hub configuration (TOML).
    #[arg(long)]
    config: PathBuf,
    /// Count what is due, delete nothing.
    #[arg(long)]
    dry_run: bool,
    /// The day to decide for (YYYY-MM-DD); default today (UTC).
    #[arg(long)]
    today: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// Run the reference hub with a configuration file (see `fldm init-pki`).
    Serve {
        /// The hub configuration (TOML).
        #[arg(long)]
        config: PathBuf,
    },
    /// Import the owning office's records into the hub's database (hub stopped).
    Import(ImportArgs),
    /// Delete the records whose deletion deadline has passed (hub stopped).
    Expire(ExpireArgs),
    #[cfg(feature = "synth")]
    /// Load a synthetic population into the hub's database (hub stopped or running).
    Seed {
        /// The hub configuration (TOML).
        #[arg(long)]
        config: PathBuf,
        /// Number of persons.
        #[arg(long, default_value_t = 10_000)]
        persons: usize,
        /// Seed of the synthetic population.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}

/// Names of the files `init-pki` writes besides the PEM files.
pub const HUB_CONFIG_FILE: &str = "hub.toml";
/// Hub audit keys.
pub const HUB_SIGNING_KEY: &str = "hub-audit-signing.pk8";
/// Hub audit public key (read by the demo).
#[cfg(feature = "synth")]
pub const HUB_PUBLIC_KEY: &str = "hub-audit-signing.pub";
/// Hub pseudonym key.
pub const HUB_PSEUDONYM_KEY: &str = "hub-pseudonym.key";

fn write_file(path: &Path, data: &[u8], private: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut f = opts
        .open(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    f.write_all(data)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// TOML string literal (paths may contain quotes or backslashes).
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A client builder for `office` from the files `init-pki` wrote into
/// `dir`: the development CA as the only trust anchor, the office's
/// certificate and key, the office name.
#[cfg(feature = "synth")]
pub fn office_client(dir: &Path, office: &str, base_url: &str) -> fldm_client::HubClientBuilder {
    fldm_client::HubClientBuilder::new(base_url)
        .ca_pem_file(dir.join("ca.pem"))
        .identity_pem_files(
            dir.join(format!("{office}.pem")),
            dir.join(format!("{office}-key.pem")),
        )
        .office(office)
}

/// A working directory for a command that sets up a hub: `keep` (created
/// if missing, left in place), else a fresh directory named `prefix` and
/// the process id under the system's temporary directory, removed when the
/// returned guard is dropped.
#[cfg(feature = "synth")]
pub fn work_dir(keep: Option<&Path>, prefix: &str) -> std::io::Result<(PathBuf, WorkDir)> {
    let (dir, remove) = match keep {
        Some(d) => (d.to_path_buf(), false),
        None => {
            let d = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&d);
            (d, true)
        }
    };
    std::fs::create_dir_all(&dir)?;
    Ok((dir.clone(), WorkDir(dir, remove)))
}

/// Removes a temporary working directory of [`work_dir`] when dropped.
#[cfg(feature = "synth")]
#[derive(Debug)]
pub struct WorkDir(PathBuf, bool);

#[cfg(feature = "synth")]
impl Drop for WorkDir {
    fn drop(&mut self) {
        if self.1 {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Write a journal owner's key set: `<prefix>-audit-signing.pk8`,
/// `<prefix>-audit-signing.pub`, `<prefix>-pseudonym.key`.
pub fn write_owner_keys(dir: &Path, prefix: &str) -> Result<(), Box<dyn std::error::Error>> {
    let pk8 = SigningKey::generate_pkcs8()?;
    let key = SigningKey::from_pkcs8(&pk8)?;
    write_file(&dir.join(format!("{prefix}-audit-signing.pk8")), &pk8, true)?;
    write_file(
        &dir.join(format!("{prefix}-audit-signing.pub")),
        format!("{}\n", key.public_key().to_text()).as_bytes(),
        false,
    )?;
    let ps = PseudonymKey::generate_bytes()?;
    write_file(
        &dir.join(format!("{prefix}-pseudonym.key")),
        format!("{}\n", hex(&ps)).as_bytes(),
        true,
    )?;
    Ok(())
}

/// Create PKI, keys, `hub.toml` and one client profile per office in `dir`.
pub fn init_pki(
    dir: &Path,
    policy_path: &Path,
    listen: &str,
    hub_names: &[String],
) -> Result<Policy, Box<dyn std::error::Error>> {
    let policy = Policy::load(policy_path)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let offices: Vec<(&str, &str)> = policy
        .offices()
        .iter()
        .map(|o| (o.id.as_str(), o.cert_identity.as_str()))
        .collect();
    let names: Vec<&str> = hub_names.iter().map(String::as_str).collect();
    let pki = fldm_tls::generate_dev_pki(&names, &offices)?;
    pki.write_to(dir)?;
    write_owner_keys(dir, "hub")?;
    let policy_abs =
        std::fs::canonicalize(policy_path).unwrap_or_else(|_| policy_path.to_path_buf());
    let hub_toml = format!(
        "# FLDM reference hub, development configuration written by `fldm init-pki`.\n\
         # Relative paths are relative to this file.\n\
         listen = {}\n\
         tls_certificate = \"hub.pem\"\n\
         tls_key = \"hub-key.pem\"\n\
         client_ca = \"ca.pem\"\n\
         policy = {}\n\
         database = \"hub.sqlite\"\n\
         audit_dir = \"hub-audit\"\n\
         audit_signing_key = \"{HUB_SIGNING_KEY}\"\n\
         pseudonym_key = \"{HUB_PSEUDONYM_KEY}\"\n\
         checkpoint_interval = 1000\n\
         \n\
         # The daily deletion-deadline sweep of `fldm hub serve` (see docs/hub.md). Off in\n\
         # this development setup: synthetic populations contain records whose deadlines\n\
         # have passed, and tests and demos expect the seeded persons to stay. A hub with a\n\
         # real stock leaves the table out (the sweep is on by default) or sets enabled = true.\n\
         [expiry]\n\
         enabled = false\n",
        toml_str(listen),
        toml_str(&policy_abs.display().to_string()),
    );
    write_file(&dir.join(HUB_CONFIG_FILE), hub_toml.as_bytes(), false)?;
    for o in policy.offices() {
        write_owner_keys(dir, &o.id)?;
        let profile = format!(
            "# Client profile of office {id} ({name}), for `fldm get/search/changes --profile`.\n\
             base_url = {url}\n\
             ca = \"ca.pem\"\n\
             cert = \"{id}.pem\"\n\
             key = \"{id}-key.pem\"\n\
             office = \"{id}\"\n\
             user = \"{id}-demo\"\n\
             journal_dir = \"journal-{id}\"\n\
             journal_signing_key = \"{id}-audit-signing.pk8\"\n\
             journal_pseudonym_key = \"{id}-pseudonym.key\"\n",
            id = o.id,
            name = o.name,
            url = toml_str(&format!("https://{listen}")),
        );
        write_file(
            &dir.join(format!("{}.profile.toml", o.id)),
            profile.as_bytes(),
            false,
        )?;
    }
    Ok(policy)
}

pub fn init_pki_cmd(a: InitPkiArgs) -> CmdResult {
    let policy = init_pki(&a.dir, &a.policy, &a.listen, &a.hub_names)?;
    println!(
        "wrote a development PKI for {} offices, hub keys, {HUB_CONFIG_FILE} and client profiles to {}",
        policy.offices().len(),
        a.dir.display()
    );
    println!(
        "start the hub with: fldm hub serve --config {}",
        a.dir.join(HUB_CONFIG_FILE).display()
    );
    println!("this PKI is for development on loopback only");
    Ok(ExitCode::SUCCESS)
}

pub fn run(cmd: HubCommand) -> CmdResult {
    match cmd {
        HubCommand::Serve { config } => {
            let cfg = fldm_hub::config::HubConfig::load(&config)?;
            fldm_hub::serve(cfg)?;
            Ok(ExitCode::SUCCESS)
        }
        HubCommand::Import(a) => import(a),
        HubCommand::Expire(a) => expire(a),
        #[cfg(feature = "synth")]
        HubCommand::Seed {
            config,
            persons,
            seed,
        } => {
            let cfg = fldm_hub::config::HubConfig::load(&config)?;
            let store = fldm_hub::store::Store::open(
                &cfg.database,
                fldm_hub::store::StoreOptions {
                    search_keys: Some(fldm_core::matching::blocking_keys),
                    ..fldm_hub::store::StoreOptions::default()
                },
            )?;
            let population = fldm_synth::Population::new(seed).take(persons);
            let n = fldm_hub::load_persons(&store, &cfg.owner_office, population)?;
            println!(
                "seeded {n} synthetic persons (seed {seed}) into {}",
                cfg.database.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Write a final checkpoint of the journal if anything is in it, so that
/// what this command appended is covered by a signature.
fn close_journal(st: &fldm_hub::AppState) -> Result<(), Box<dyn std::error::Error>> {
    if !st.journal.is_empty() {
        st.journal.checkpoint()?;
    }
    Ok(())
}

/// `fldm hub import`: the same rules and audit records as
/// `POST /v1/persons/batch`, on the hub's database, one transaction per
/// batch. Prints the refusals to stderr (`record INDEX: FIELD: REASON`)
/// and the counts as the last line; exit 1 when something was refused or
/// the policy denies the import (every record is refused), 2 on usage or
/// I/O errors, as `fldm import`.
fn import(a: ImportArgs) -> CmdResult {
    use fldm_core::codec::import::{ImportFormat, ImportReader, is_record_error};
    use fldm_core::wire::{ImportOutcome, MAX_IMPORT_BATCH};
    use fldm_hub::lifecycle::{Actor, ImportSession, LifecycleError};

    let format = match &a.format {
        Some(f) => ImportFormat::parse(f).ok_or("--format: json or xml")?,
        None => ImportFormat::from_path(&a.file),
    };
    let file = std::fs::File::open(&a.file).map_err(|e| format!("{}: {e}", a.file.display()))?;
    let cfg = fldm_hub::config::HubConfig::load(&a.config)?;
    let st = fldm_hub::open_offline(&cfg)?;
    let actor = Actor {
        office: a.office.clone(),
        user: a.user.clone(),
        purpose: a.purpose.clone(),
        case_reference: a.case.clone(),
    };
    let mut session = match ImportSession::begin(&st, actor, a.full) {
        Ok(s) => s,
        Err(e @ LifecycleError::Denied { .. }) => {
            close_journal(&st)?;
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    let report = |items: &[fldm_core::wire::ImportItem]| {
        for i in items.iter().filter(|i| i.outcome == ImportOutcome::Refused) {
            eprintln!(
                "record {}: {}: {}",
                i.index,
                i.field.as_deref().unwrap_or(""),
                i.reason.map_or("refused", |r| r.as_str())
            );
        }
    };
    let reader = ImportReader::new(std::io::BufReader::new(file), format);
    let mut batch = Vec::with_capacity(MAX_IMPORT_BATCH);
    let mut input_error = None;
    for item in reader {
        match item {
            Err(e) if !is_record_error(&e) => {
                input_error = Some(e);
                break;
            }
            item => batch.push(item),
        }
        if batch.len() == MAX_IMPORT_BATCH {
            report(&session.import(&batch)?);
            batch.clear();
        }
    }
    if !batch.is_empty() {
        report(&session.import(&batch)?);
    }
    let counts = session.counts();
    if let Some(e) = input_error {
        close_journal(&st)?;
        println!("{counts}");
        return Err(format!(
            "{}: the input cannot be read further ({e}); the records before it were imported",
            a.file.display()
        )
        .into());
    }
    if a.full {
        let missing = session.missing()?;
        if a.list_missing {
            for id in &missing {
                println!("{id}");
            }
        }
        println!("missing {}", missing.len());
        if a.delete_missing && !missing.is_empty() {
            if counts.refused > 0 {
                eprintln!(
                    "not deleting the missing records: {} records of the file were refused, \
                     so the file is not known to be the whole stock",
                    counts.refused
                );
            } else {
                let n = session.delete_missing(&missing)?;
                println!("deleted {n}");
            }
        }
    }
    close_journal(&st)?;
    println!("{counts}");
    Ok(if counts.refused > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `fldm hub expire`: delete (or with `--dry-run` count) the records whose
/// deletion deadline has passed. Prints counts only: `RULE_ID: N` per
/// rule with due records, then `expired N` (`due N (dry run)`).
fn expire(a: ExpireArgs) -> CmdResult {
    let today = match &a.today {
        Some(t) => fldm_core::date::Datum::parse(t).map_err(|k| format!("--today: {k}"))?,
        None => fldm_core::policy::today_utc()?,
    };
    let cfg = fldm_hub::config::HubConfig::load(&a.config)?;
    let st = fldm_hub::open_offline(&cfg)?;
    let report = fldm_hub::lifecycle::expire(&st, today, a.dry_run)?;
    close_journal(&st)?;
    for (rule, n) in &report.per_rule {
        println!("{rule}: {n}");
    }
    if report.dry_run {
        println!("due {} (dry run)", report.total);
    } else {
        println!("expired {}", report.total);
    }
    Ok(ExitCode::SUCCESS)
}
