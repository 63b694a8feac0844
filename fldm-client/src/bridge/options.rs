//! Client options as one serde struct, and client profiles (the TOML files
//! `fldm init-pki` writes).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::builder::{HubClientBuilder, RetryPolicy};
use crate::error::Error;

/// Everything needed to connect a client, as plain data. The same field
/// names serve the C configuration, the Python constructor and the profile
/// file. Files are paths; relative paths are taken as they are (a
/// [`Profile`] resolves them against its own directory).
///
/// The client-stage journal is on unless turned off explicitly: either
/// `journal_dir` is set or `no_journal` is true; with neither,
/// [`ClientOptions::builder`] fails naming `journal_dir`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientOptions {
    /// The hub's base URL, `https://host:port`. Required.
    pub base_url: Option<String>,
    /// CA certificate file (PEM); only this CA is trusted. Required.
    pub ca: Option<PathBuf>,
    /// The office's client certificate chain (PEM). Required.
    pub cert: Option<PathBuf>,
    /// The office's private key (PEM). Required.
    pub key: Option<PathBuf>,
    /// The retrieving person (user id). Required.
    pub user: Option<String>,
    /// The requesting office, for the client journal (required with a
    /// journal; the hub takes the office from the certificate).
    pub office: Option<String>,
    /// The person responsible for the retrievals (default: the user).
    pub responsible_person: Option<String>,
    /// Timeout of one attempt in milliseconds (default 30000).
    pub timeout_ms: Option<u64>,
    /// Connect timeout in milliseconds (default 10000).
    pub connect_timeout_ms: Option<u64>,
    /// Attempts per idempotent call including the first (default 4).
    pub max_attempts: Option<u32>,
    /// Directory of the client-stage audit journal.
    pub journal_dir: Option<PathBuf>,
    /// Ed25519 key (PKCS#8) that signs the journal's checkpoints.
    pub journal_signing_key: Option<PathBuf>,
    /// Pseudonym key file (default: generated in the journal directory).
    pub journal_pseudonym_key: Option<PathBuf>,
    /// Run without a client-stage journal (the hub still logs every access).
    pub no_journal: bool,
}

fn config(what: &str, message: &str) -> Error {
    Error::Config {
        what: what.to_string(),
        message: message.to_string(),
    }
}

/// A required setting, or the error naming it.
fn required<'a, T>(value: &'a Option<T>, what: &str, message: &str) -> Result<&'a T, Error> {
    value.as_ref().ok_or_else(|| config(what, message))
}

impl ClientOptions {
    /// Switch the journal on, into `dir` (undoes `no_journal`).
    pub fn set_journal_dir(&mut self, dir: impl Into<PathBuf>) {
        self.journal_dir = Some(dir.into());
        self.no_journal = false;
    }

    /// Switch the journal off explicitly (forgets the journal settings).
    pub fn set_no_journal(&mut self) {
        self.no_journal = true;
        self.journal_dir = None;
        self.journal_signing_key = None;
        self.journal_pseudonym_key = None;
    }

    /// The builder these options describe. Fails with
    /// [`Error::Config`](crate::Error::Config) naming the first missing
    /// setting (`base_url`, `ca`, `cert`, `key`, `user`, `journal_dir`) or a
    /// contradictory one; the files are read by the build.
    pub fn builder(&self) -> Result<HubClientBuilder, Error> {
        let base = required(&self.base_url, "base_url", "the hub URL is required")?;
        let ca = required(&self.ca, "ca", "a CA certificate is required")?;
        let cert = required(&self.cert, "cert", "a client certificate is required")?;
        let key = required(&self.key, "key", "a client key is required")?;
        let user = required(
            &self.user,
            "user",
            "the retrieving person (user) is required",
        )?;
        if self.max_attempts == Some(0) {
            return Err(config("max_attempts", "must be at least 1"));
        }
        let mut b = HubClientBuilder::new(base.as_str())
            .ca_pem_file(ca)
            .identity_pem_files(cert, key)
            .user(user.as_str());
        if let Some(o) = &self.office {
            b = b.office(o.clone());
        }
        if let Some(p) = &self.responsible_person {
            b = b.responsible_person(p.clone());
        }
        if let Some(t) = self.timeout_ms.filter(|t| *t > 0) {
            b = b.timeout(Duration::from_millis(t));
        }
        if let Some(t) = self.connect_timeout_ms.filter(|t| *t > 0) {
            b = b.connect_timeout(Duration::from_millis(t));
        }
        if let Some(n) = self.max_attempts {
            b = b.retry(RetryPolicy {
                max_attempts: n,
                ..RetryPolicy::default()
            });
        }
        match (&self.journal_dir, self.no_journal) {
            (Some(_), true) => Err(config(
                "no_journal",
                "journal_dir and no_journal exclude each other",
            )),
            (None, false) => Err(config(
                "journal_dir",
                "the client audit journal is on unless turned off explicitly: set journal_dir or no_journal",
            )),
            (None, true) => Ok(b.without_journal()),
            (Some(dir), false) => {
                b = b.journal_dir(dir);
                if let Some(k) = &self.journal_signing_key {
                    b = b.journal_signing_key(k);
                }
                if let Some(k) = &self.journal_pseudonym_key {
                    b = b.journal_pseudonym_key(k);
                }
                Ok(b)
            }
        }
    }

    /// Build the blocking client: read the files, open the journal, start
    /// the runtime. Nothing is sent yet.
    pub fn connect(&self) -> Result<crate::blocking::HubClient, Error> {
        self.builder()?.build_blocking()
    }
}

/// A client profile (TOML): the [`ClientOptions`] of one office plus the
/// default purpose, as written by `fldm init-pki`. Unknown keys are errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The connection options; relative paths resolved against the
    /// profile's directory.
    pub options: ClientOptions,
    /// The purpose (Abrufzweck) used when a command names none.
    pub purpose: Option<String>,
}

impl Profile {
    /// Read a profile file. Errors name the file and, for a bad key or
    /// value, the key.
    pub fn load(path: &Path) -> Result<Profile, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| config("profile", &format!("{}: {e}", path.display())))?;
        let mut p = Profile::from_toml(&text)
            .map_err(|e| config("profile", &format!("{}: {e}", path.display())))?;
        p.resolve_paths(path.parent().unwrap_or(Path::new(".")));
        Ok(p)
    }

    /// Parse profile text (paths are left as written).
    pub fn from_toml(text: &str) -> Result<Profile, toml::de::Error> {
        let mut table: toml::Table = toml::from_str(text)?;
        let purpose = match table.remove("purpose") {
            None => None,
            Some(toml::Value::String(s)) => Some(s),
            Some(_) => {
                return Err(<toml::de::Error as serde::de::Error>::custom(
                    "purpose: expected a string",
                ));
            }
        };
        let options: ClientOptions = toml::Value::Table(table).try_into()?;
        Ok(Profile { options, purpose })
    }

    /// Make the relative file paths relative to `base`.
    pub fn resolve_paths(&mut self, base: &Path) {
        let o = &mut self.options;
        for f in [
            &mut o.ca,
            &mut o.cert,
            &mut o.key,
            &mut o.journal_dir,
            &mut o.journal_signing_key,
            &mut o.journal_pseudonym_key,
        ] {
            if let Some(x) = f.as_mut()
                && x.is_relative()
            {
                *x = base.join(&*x);
            }
        }
    }
}
