//! The hub's configuration file (TOML).
//!
//! ```toml
//! listen = "127.0.0.1:8443"
//! tls_certificate = "pki/hub.pem"          # hub certificate chain (PEM)
//! tls_key = "pki/hub-key.pem"              # hub private key (PEM)
//! client_ca = "pki/ca.pem"                 # CA of the offices' client certificates
//! policy = "policies/reference.toml"
//! database = "data/hub.sqlite"
//! audit_dir = "data/audit"
//! audit_signing_key = "keys/audit.pk8"     # Ed25519, PKCS#8 (DER)
//! pseudonym_key = "keys/pseudonym.hex"     # 64 hex characters (HMAC-SHA256 key)
//! checkpoint_interval = 1000               # signed checkpoint every N audit entries
//! owner_office = "auslaenderbehoerde"      # owner of seeded records (optional)
//! max_body_bytes = 1048576                 # optional, request body limit
//!
//! [expiry]                                 # optional: the deletion-deadline sweep
//! enabled = true                           # default true
//! interval_hours = 24                      # default 24
//! ```
//!
//! Relative paths are resolved against the directory of the configuration
//! file ([`HubConfig::load`]). The office of a caller is never configured
//! here: it comes from the client certificate and the policy file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Default request body limit: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;
/// Default number of audit entries between signed checkpoints.
pub const DEFAULT_CHECKPOINT_INTERVAL: u64 = 1000;
/// Default owner office of records loaded by [`crate::load_persons`].
pub const DEFAULT_OWNER_OFFICE: &str = "auslaenderbehoerde";

/// Configuration of a hub. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// The hub's certificate chain, PEM, end-entity first.
    pub tls_certificate: PathBuf,
    /// The hub's private key, PEM.
    pub tls_key: PathBuf,
    /// CA certificate(s) that issue the offices' client certificates, PEM.
    pub client_ca: PathBuf,
    /// The policy file.
    pub policy: PathBuf,
    /// The SQLite database (created if missing).
    pub database: PathBuf,
    /// Directory of the audit journal (created if missing).
    pub audit_dir: PathBuf,
    /// Ed25519 signing key of the audit checkpoints, PKCS#8 (DER).
    pub audit_signing_key: PathBuf,
    /// HMAC key for pseudonymous subject references and query criteria
    /// (64 hex characters).
    pub pseudonym_key: PathBuf,
    /// Write a signed checkpoint after this many audit entries.
    #[serde(default = "default_checkpoint_interval")]
    pub checkpoint_interval: u64,
    /// The office recorded as owner of records loaded by
    /// [`crate::load_persons`]; corrections of those records go to it.
    #[serde(default = "default_owner_office")]
    pub owner_office: String,
    /// Largest accepted request body in bytes.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// The sweep that deletes records whose deletion deadline has passed
    /// (`fldm hub serve`; see [`crate::lifecycle::expire`]).
    #[serde(default)]
    pub expiry: ExpiryConfig,
}

/// Default hours between two deletion-deadline sweeps.
pub const DEFAULT_EXPIRY_INTERVAL_HOURS: u64 = 24;

/// The `[expiry]` table: the deletion-deadline sweep of a serving hub.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpiryConfig {
    /// Whether the sweep runs (default `true`).
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Hours between sweeps (default 24); the first runs shortly after
    /// the start.
    #[serde(default = "default_expiry_interval_hours")]
    pub interval_hours: u64,
}

impl Default for ExpiryConfig {
    fn default() -> Self {
        ExpiryConfig {
            enabled: true,
            interval_hours: DEFAULT_EXPIRY_INTERVAL_HOURS,
        }
    }
}

fn default_true() -> bool {
    true
}
fn default_expiry_interval_hours() -> u64 {
    DEFAULT_EXPIRY_INTERVAL_HOURS
}

fn default_checkpoint_interval() -> u64 {
    DEFAULT_CHECKPOINT_INTERVAL
}
fn default_owner_office() -> String {
    DEFAULT_OWNER_OFFICE.to_string()
}
fn default_max_body_bytes() -> usize {
    DEFAULT_MAX_BODY_BYTES
}

/// A configuration file that cannot be read or parsed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("reading hub configuration {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid configuration; the message names the key.
    #[error("hub configuration {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
}

impl HubConfig {
    /// Parse configuration text; relative paths stay relative.
    pub fn from_toml(text: &str, source_name: &Path) -> Result<HubConfig, ConfigError> {
        let config: HubConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: source_name.to_path_buf(),
            message: e.to_string(),
        })?;
        if config.checkpoint_interval == 0 {
            return Err(ConfigError::Parse {
                path: source_name.to_path_buf(),
                message: "checkpoint_interval must be at least 1".into(),
            });
        }
        if config.max_body_bytes == 0 {
            return Err(ConfigError::Parse {
                path: source_name.to_path_buf(),
                message: "max_body_bytes must be at least 1".into(),
            });
        }
        if config.expiry.interval_hours == 0 {
            return Err(ConfigError::Parse {
                path: source_name.to_path_buf(),
                message: "expiry.interval_hours must be at least 1".into(),
            });
        }
        Ok(config)
    }

    /// Read a configuration file and resolve relative paths against its
    /// directory.
    pub fn load(path: impl AsRef<Path>) -> Result<HubConfig, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = HubConfig::from_toml(&text, path)?;
        if let Some(dir) = path.parent() {
            config.resolve_relative_to(dir);
        }
        Ok(config)
    }

    /// Make every relative path relative to `dir`.
    pub fn resolve_relative_to(&mut self, dir: &Path) {
        for p in [
            &mut self.tls_certificate,
            &mut self.tls_key,
            &mut self.client_ca,
            &mut self.policy,
            &mut self.database,
            &mut self.audit_dir,
            &mut self.audit_signing_key,
            &mut self.pseudonym_key,
        ] {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_resolves() {
        let text = r#"
listen = "127.0.0.1:0"
tls_certificate = "pki/hub.pem"
tls_key = "pki/hub-key.pem"
client_ca = "/etc/fldm/ca.pem"
policy = "policy.toml"
database = "hub.sqlite"
audit_dir = "audit"
audit_signing_key = "audit.pk8"
pseudonym_key = "pseudonym.hex"
"#;
        let mut c = HubConfig::from_toml(text, Path::new("hub.toml")).expect("config");
        assert_eq!(c.checkpoint_interval, DEFAULT_CHECKPOINT_INTERVAL);
        assert_eq!(c.owner_office, "auslaenderbehoerde");
        assert_eq!(c.expiry, ExpiryConfig::default());
        c.resolve_relative_to(Path::new("/srv/hub"));
        assert_eq!(c.tls_certificate, Path::new("/srv/hub/pki/hub.pem"));
        assert_eq!(c.client_ca, Path::new("/etc/fldm/ca.pem"));
    }

    #[test]
    fn expiry_table() {
        let base = "listen = \"127.0.0.1:0\"\ntls_certificate = \"a\"\ntls_key = \"a\"\n\
                    client_ca = \"a\"\npolicy = \"a\"\ndatabase = \"a\"\naudit_dir = \"a\"\n\
                    audit_signing_key = \"a\"\npseudonym_key = \"a\"\n";
        let off = format!("{base}[expiry]\nenabled = false\n");
        let c = HubConfig::from_toml(&off, Path::new("h.toml")).expect("config");
        assert!(!c.expiry.enabled);
        assert_eq!(c.expiry.interval_hours, 24);
        let zero = format!("{base}[expiry]\ninterval_hours = 0\n");
        let e = HubConfig::from_toml(&zero, Path::new("h.toml")).expect_err("zero");
        assert!(e.to_string().contains("interval_hours"), "{e}");
    }

    #[test]
    fn unknown_key_is_named() {
        let e = HubConfig::from_toml(
            "listen = \"127.0.0.1:0\"\noffice = \"x\"\n",
            Path::new("h.toml"),
        )
        .expect_err("must fail");
        assert!(e.to_string().contains("office"), "{e}");
    }
}
