//! Configuration of a [`crate::HubClient`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use fldm_core::audit::{Journal, JournalOptions, PseudonymKey, SigningKey};
use fldm_core::wire::MAX_IMPORT_BATCH;
use fldm_core::wire::headers::Rule;

use crate::audit::ClientJournal;
use crate::client::{HubClient, Inner};
use crate::error::{Error, Result};

/// Records per request of a bulk import unless
/// [`HubClientBuilder::import_batch_size`] says otherwise.
pub const DEFAULT_IMPORT_BATCH: usize = 5_000;

/// Retries of idempotent calls: exponential backoff from `initial_backoff`,
/// doubling up to `max_backoff`, at most `max_attempts` attempts in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (1 = no retry).
    pub max_attempts: u32,
    /// Delay before the first retry.
    pub initial_backoff: Duration,
    /// Longest delay between attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

#[derive(Debug)]
enum Pem {
    Bytes(Vec<u8>),
    File(PathBuf),
}

/// The bytes of a required PEM setting: an error naming `what` with
/// `missing` when it is not set, or naming `label` when it cannot be read.
fn required_pem(pem: &Option<Pem>, what: &str, missing: &str, label: &str) -> Result<Vec<u8>> {
    pem.as_ref()
        .ok_or_else(|| Error::Config {
            what: what.to_string(),
            message: missing.to_string(),
        })?
        .load(label)
}

impl Pem {
    fn load(&self, what: &str) -> Result<Vec<u8>> {
        match self {
            Pem::Bytes(b) => Ok(b.clone()),
            Pem::File(p) => std::fs::read(p).map_err(|e| Error::Config {
                what: what.to_string(),
                message: format!("cannot read {}: {e}", p.display()),
            }),
        }
    }
}

#[derive(Debug)]
enum JournalSetting {
    Unset,
    Disabled,
    Dir {
        dir: PathBuf,
        signing_key: Option<PathBuf>,
        pseudonym_key: Option<PathBuf>,
    },
}

/// Builder of a [`HubClient`].
///
/// Required: base URL, CA certificate, client identity (certificate and
/// key), user. The client-stage journal is on by default: set its
/// directory with [`journal_dir`](Self::journal_dir), or switch it off
/// explicitly with [`without_journal`](Self::without_journal); building
/// without either is an error, so it cannot be forgotten.
#[derive(Debug)]
pub struct HubClientBuilder {
    base_url: String,
    ca: Option<Pem>,
    cert: Option<Pem>,
    key: Option<Pem>,
    user: Option<String>,
    office: Option<String>,
    responsible_person: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    journal: JournalSetting,
    checkpoint_interval: u64,
    import_batch_size: usize,
}

impl HubClientBuilder {
    /// Start with the hub's base URL, e.g. `https://hub.stadt.example:8443`.
    pub fn new(base_url: impl Into<String>) -> Self {
        HubClientBuilder {
            base_url: base_url.into(),
            ca: None,
            cert: None,
            key: None,
            user: None,
            office: None,
            responsible_person: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            journal: JournalSetting::Unset,
            checkpoint_interval: 1000,
            import_batch_size: DEFAULT_IMPORT_BATCH,
        }
    }

    /// CA certificate(s) the hub's certificate must chain to (PEM text).
    /// Only these roots are trusted, never the system store.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca = Some(Pem::Bytes(pem.into()));
        self
    }

    /// As [`ca_pem`](Self::ca_pem), from a file.
    pub fn ca_pem_file(mut self, path: impl AsRef<Path>) -> Self {
        self.ca = Some(Pem::File(path.as_ref().to_path_buf()));
        self
    }

    /// The office's client certificate chain and private key (PEM text).
    pub fn identity_pem(mut self, cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        self.cert = Some(Pem::Bytes(cert.into()));
        self.key = Some(Pem::Bytes(key.into()));
        self
    }

    /// As [`identity_pem`](Self::identity_pem), from files.
    pub fn identity_pem_files(mut self, cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Self {
        self.cert = Some(Pem::File(cert.as_ref().to_path_buf()));
        self.key = Some(Pem::File(key.as_ref().to_path_buf()));
        self
    }

    /// The retrieving person (user id in the office's system), sent as
    /// `FLDM-User` with every request and written into both journals.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// The office id of this client, for the client journal (the hub takes
    /// the office from the certificate, never from the client).
    pub fn office(mut self, office: impl Into<String>) -> Self {
        self.office = Some(office.into());
        self
    }

    /// The person responsible for the admissibility of the retrievals
    /// (AZRG § 13 Abs. 1), for the client journal. Default: the user.
    pub fn responsible_person(mut self, person: impl Into<String>) -> Self {
        self.responsible_person = Some(person.into());
        self
    }

    /// Timeout of one attempt (default 30 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Retry policy for idempotent calls.
    pub fn retry(mut self, r: RetryPolicy) -> Self {
        self.retry = r;
        self
    }

    /// Records per request of a bulk import (default
    /// [`DEFAULT_IMPORT_BATCH`], at most
    /// [`MAX_IMPORT_BATCH`](fldm_core::wire::MAX_IMPORT_BATCH); `build`
    /// refuses 0 and larger values, naming `import_batch_size`). Each
    /// batch is one request and one hub transaction.
    pub fn import_batch_size(mut self, n: usize) -> Self {
        self.import_batch_size = n;
        self
    }

    /// Write the client-stage audit journal into `dir` (created if needed).
    /// A pseudonym key is generated there on first use (`pseudonym.key`,
    /// readable by the owner only) unless one is given.
    pub fn journal_dir(mut self, dir: impl AsRef<Path>) -> Self {
        let (signing_key, pseudonym_key) =
            match std::mem::replace(&mut self.journal, JournalSetting::Unset) {
                JournalSetting::Dir {
                    signing_key,
                    pseudonym_key,
                    ..
                } => (signing_key, pseudonym_key),
                _ => (None, None),
            };
        self.journal = JournalSetting::Dir {
            dir: dir.as_ref().to_path_buf(),
            signing_key,
            pseudonym_key,
        };
        self
    }

    /// Sign the journal's checkpoints with this Ed25519 key (PKCS#8 file, as
    /// written by `fldm audit keygen`). Without it, no checkpoints are written.
    pub fn journal_signing_key(mut self, path: impl AsRef<Path>) -> Self {
        if let JournalSetting::Dir { signing_key, .. } = &mut self.journal {
            *signing_key = Some(path.as_ref().to_path_buf());
        }
        self
    }

    /// Use this pseudonym key file (64 hex characters) for subject references
    /// and query criteria.
    pub fn journal_pseudonym_key(mut self, path: impl AsRef<Path>) -> Self {
        if let JournalSetting::Dir { pseudonym_key, .. } = &mut self.journal {
            *pseudonym_key = Some(path.as_ref().to_path_buf());
        }
        self
    }

    /// Checkpoint interval of the client journal, in entries (default 1000).
    pub fn journal_checkpoint_interval(mut self, n: u64) -> Self {
        self.checkpoint_interval = n;
        self
    }

    /// Run without a client-stage journal (the hub still logs every access).
    pub fn without_journal(mut self) -> Self {
        self.journal = JournalSetting::Disabled;
        self
    }

    /// Build the async client.
    pub fn build(self) -> Result<HubClient> {
        fldm_tls::install_default_provider();
        let cfg_err = |what: &str, message: String| Error::Config {
            what: what.to_string(),
            message,
        };
        if self.import_batch_size == 0 || self.import_batch_size > MAX_IMPORT_BATCH {
            return Err(cfg_err(
                "import_batch_size",
                format!("must be between 1 and {MAX_IMPORT_BATCH}"),
            ));
        }
        let base = self.base_url.trim_end_matches('/').to_string();
        let url = reqwest::Url::parse(&base).map_err(|e| cfg_err("base_url", e.to_string()))?;
        if url.scheme() != "https" {
            return Err(cfg_err(
                "base_url",
                "the hub is reached over https only".into(),
            ));
        }
        let ca = required_pem(&self.ca, "ca", "a CA certificate is required", "ca")?;
        let cert = required_pem(
            &self.cert,
            "identity",
            "a client certificate is required",
            "identity certificate",
        )?;
        let key = required_pem(
            &self.key,
            "identity",
            "a client key is required",
            "identity key",
        )?;
        let user = self
            .user
            .clone()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| cfg_err("user", "the retrieving person (user) is required".into()))?;
        // The one rule for the FLDM-User header, checked now rather than at
        // the first call.
        Rule::USER
            .check(&user)
            .map_err(|e| cfg_err("user", e.kind.to_string()))?;
        let mut tls = fldm_tls::client_config(&ca, &cert, &key).map_err(|e| Error::Config {
            what: "tls".into(),
            message: e.to_string(),
        })?;
        // This client speaks HTTP/1.1 (keep-alive); offer only that.
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .https_only(true)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| cfg_err("http", e.to_string()))?;

        let journal = match self.journal {
            JournalSetting::Unset => {
                return Err(cfg_err(
                    "journal",
                    "the client audit journal is on by default: set journal_dir(...) or call without_journal()"
                        .into(),
                ));
            }
            JournalSetting::Disabled => None,
            JournalSetting::Dir {
                dir,
                signing_key,
                pseudonym_key,
            } => {
                // Every journal record names the requesting office (AZRG
                // § 13 Abs. 1); refuse now rather than at the first call.
                if self.office.as_deref().is_none_or(|o| o.trim().is_empty()) {
                    return Err(cfg_err(
                        "office",
                        "the client journal records the requesting office: set office(...)".into(),
                    ));
                }
                let signing_key = match signing_key {
                    Some(p) => Some(SigningKey::load(&p).map_err(Error::Audit)?),
                    None => None,
                };
                std::fs::create_dir_all(&dir).map_err(|e| {
                    cfg_err("journal", format!("cannot create {}: {e}", dir.display()))
                })?;
                let pseudonym = match pseudonym_key {
                    Some(p) => PseudonymKey::load(&p).map_err(Error::Audit)?,
                    None => load_or_create_pseudonym_key(&dir.join("pseudonym.key"))?,
                };
                let (journal, _report) = Journal::open(
                    &dir,
                    JournalOptions {
                        origin: Some(format!(
                            "fldm-client/{}",
                            self.office.as_deref().unwrap_or("unknown")
                        )),
                        signing_key,
                        checkpoint_interval: self.checkpoint_interval,
                        ..JournalOptions::default()
                    },
                )
                .map_err(Error::Audit)?;
                Some(Arc::new(ClientJournal { journal, pseudonym }))
            }
        };
        Ok(Inner {
            http,
            base,
            responsible: self.responsible_person.unwrap_or_else(|| user.clone()),
            user,
            office: self.office.unwrap_or_default(),
            retry: self.retry,
            timeout: self.timeout,
            journal,
            import_batch_size: self.import_batch_size,
        }
        .into())
    }

    /// Build the blocking client (it owns a small Tokio runtime).
    pub fn build_blocking(self) -> Result<crate::blocking::HubClient> {
        crate::blocking::HubClient::new(self)
    }
}

fn load_or_create_pseudonym_key(path: &Path) -> Result<PseudonymKey> {
    if path.exists() {
        return PseudonymKey::load(path).map_err(Error::Audit);
    }
    let bytes = PseudonymKey::generate_bytes().map_err(Error::Audit)?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(path, hex.as_bytes()).map_err(|e| Error::Config {
        what: "journal".into(),
        message: format!("cannot write {}: {e}", path.display()),
    })?;
    PseudonymKey::from_bytes(&bytes).map_err(Error::Audit)
}

fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(data)?;
    f.sync_all()
}
