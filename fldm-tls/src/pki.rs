//! The development PKI (`fldm init-pki`), for development and tests on
//! loopback only: the CA key lies next to the certificates, unprotected.
//! Production hubs and offices use certificates from the city's or the
//! state's PKI.

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

use crate::{Error, Result};

/// Validity of every development certificate, in days (two years).
pub const DEV_VALIDITY_DAYS: i64 = 730;

/// A certificate and its private key, both PEM. `Debug` does not show the key.
#[derive(Clone)]
pub struct IssuedCert {
    /// Certificate (PEM, one `CERTIFICATE` section).
    pub cert_pem: String,
    /// Private key (PKCS#8 PEM).
    pub key_pem: String,
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCert")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

/// A development PKI: CA, hub certificate, one client certificate per office.
#[derive(Debug, Clone)]
pub struct DevPki {
    /// The CA (ECDSA P-384); its key signs everything else.
    pub ca: IssuedCert,
    /// The hub's server certificate (ECDSA P-256).
    pub hub: IssuedCert,
    /// `(office id, client certificate)` per office, in the order given.
    pub offices: Vec<(String, IssuedCert)>,
}

fn gen_err(e: rcgen::Error) -> Error {
    Error::Generate(e.to_string())
}

fn set_validity(params: &mut CertificateParams) {
    let now = time::OffsetDateTime::now_utc();
    // An hour back, so that a peer whose clock is slightly behind accepts it.
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(DEV_VALIDITY_DAYS);
}

fn invalid(name: &str, reason: &'static str) -> Error {
    Error::InvalidName {
        name: name.to_string(),
        reason,
    }
}

/// Office ids become file names: `<id>.pem`, `<id>-key.pem`.
fn check_office_id(id: &str, seen: &[(String, IssuedCert)]) -> Result<()> {
    if id.is_empty() {
        return Err(invalid(id, "office id is empty"));
    }
    if id.starts_with('.')
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(invalid(
            id,
            "office id must consist of ASCII letters, digits, '-', '_', '.' and not start with '.'",
        ));
    }
    if id == "ca" || id == "hub" || id.ends_with("-key") {
        return Err(invalid(
            id,
            "office id would collide with the CA or hub files or a key file",
        ));
    }
    if seen.iter().any(|(o, _)| o == id) {
        return Err(invalid(id, "office id given twice"));
    }
    Ok(())
}

/// Generate a development PKI:
///
/// - a CA (ECDSA P-384, CN "FLDM Development CA <12 hex digits of its
///   public key>", path length 0);
/// - a hub server certificate (ECDSA P-256, extended key usage serverAuth,
///   subject alternative names `localhost`, `127.0.0.1`, `::1` and
///   `hub_names` — DNS names or IP addresses);
/// - per `(office id, certificate identity)` in `offices` a client
///   certificate (ECDSA P-256, CN = the identity, OU = the office id,
///   extended key usage clientAuth). The identity is what [`crate::peer_identity`]
///   returns and what the policy file maps to the office.
///
/// All are valid from one hour ago for [`DEV_VALIDITY_DAYS`] days. For
/// development and loopback only.
pub fn generate_dev_pki(hub_names: &[&str], offices: &[(&str, &str)]) -> Result<DevPki> {
    // CA.
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).map_err(gen_err)?;
    let mut ca_params = CertificateParams::default();
    // A distinct CA name per generation: two development PKIs must not look
    // alike, or a certificate of the one fails against the other with a
    // misleading "bad signature" instead of "unknown issuer".
    let tag: String = ca_key
        .public_key_raw()
        .iter()
        .skip(1)
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, format!("FLDM Development CA {tag}"));
    dn.push(
        DnType::OrganizationName,
        "FLDM development (not for production)",
    );
    ca_params.distinguished_name = dn;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    set_validity(&mut ca_params);
    let ca_cert = ca_params.self_signed(&ca_key).map_err(gen_err)?;
    let ca = IssuedCert {
        cert_pem: ca_cert.pem(),
        key_pem: ca_key.serialize_pem(),
    };
    let issuer = Issuer::new(ca_params, ca_key);

    // Hub.
    let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    for name in hub_names {
        if name.is_empty() || !name.is_ascii() {
            return Err(invalid(
                name,
                "hub name must be a non-empty ASCII DNS name or IP address",
            ));
        }
        if !names.iter().any(|n| n == name) {
            names.push((*name).to_string());
        }
    }
    let hub_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(gen_err)?;
    let mut hub_params = CertificateParams::new(names).map_err(gen_err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "fldm-hub");
    hub_params.distinguished_name = dn;
    hub_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    hub_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    set_validity(&mut hub_params);
    let hub_cert = hub_params.signed_by(&hub_key, &issuer).map_err(gen_err)?;
    let hub = IssuedCert {
        cert_pem: hub_cert.pem(),
        key_pem: hub_key.serialize_pem(),
    };

    // Offices.
    let mut out: Vec<(String, IssuedCert)> = Vec::with_capacity(offices.len());
    for (office, identity) in offices {
        check_office_id(office, &out)?;
        if identity.trim().is_empty() {
            return Err(invalid(identity, "certificate identity is empty"));
        }
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(gen_err)?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, *identity);
        dn.push(DnType::OrganizationalUnitName, *office);
        params.distinguished_name = dn;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        set_validity(&mut params);
        let cert = params.signed_by(&key, &issuer).map_err(gen_err)?;
        out.push((
            office.to_string(),
            IssuedCert {
                cert_pem: cert.pem(),
                key_pem: key.serialize_pem(),
            },
        ));
    }
    Ok(DevPki {
        ca,
        hub,
        offices: out,
    })
}

/// Write `data` to `path`, replacing an existing file. Private files get mode
/// 0600 on Unix, also when the file existed before with wider permissions
/// (the mode is set before the key is written).
fn write(path: &Path, data: &str, private: bool) -> Result<()> {
    use std::io::Write;
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    let mut f = opts.open(path).map_err(err)?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(err)?;
    }
    #[cfg(not(unix))]
    let _ = private;
    f.write_all(data.as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)?;
    Ok(())
}

impl DevPki {
    /// Write `ca.pem`, `ca-key.pem`, `hub.pem`, `hub-key.pem` and per office
    /// `<office id>.pem` / `<office id>-key.pem` into `dir` (created if
    /// needed; existing files are replaced). Key files get mode 0600 on Unix.
    pub fn write_to(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        write(&dir.join("ca.pem"), &self.ca.cert_pem, false)?;
        write(&dir.join("ca-key.pem"), &self.ca.key_pem, true)?;
        write(&dir.join("hub.pem"), &self.hub.cert_pem, false)?;
        write(&dir.join("hub-key.pem"), &self.hub.key_pem, true)?;
        for (office, c) in &self.offices {
            write(&dir.join(format!("{office}.pem")), &c.cert_pem, false)?;
            write(&dir.join(format!("{office}-key.pem")), &c.key_pem, true)?;
        }
        Ok(())
    }

    /// The client certificate of `office`, if it was generated.
    pub fn office(&self, office: &str) -> Option<&IssuedCert> {
        self.offices
            .iter()
            .find(|(o, _)| o == office)
            .map(|(_, c)| c)
    }
}
