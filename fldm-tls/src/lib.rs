//! # fldm-tls
//!
//! The TLS profile of the FLDM SDK and a development PKI, shared by the hub
//! (server) and the hub client so that both ends speak the same profile.
//!
//! **Profile** (oriented at BSI TR-02102-2 and TR-03116-4; details and the
//! mapping to the TR in `docs/tls.md`): rustls with the *ring* provider only;
//! TLS 1.3 and 1.2, nothing older; ECDHE on secp256r1 or secp384r1 (no
//! X25519); AES-GCM only (no ChaCha20, no CBC); TLS 1.2 only with the
//! Extended Master Secret; ECDSA and RSA signatures (no Ed25519);
//! certificates verified against the configured CA roots only, never the
//! system store; the hub requires client certificates (mTLS), and the office
//! of a caller is read from its certificate ([`peer_identity`]).
//!
//! **Brainpool gap:** rustls has no brainpoolP256r1/P384r1/P512r1. Projects
//! that require Brainpool curves must terminate TLS elsewhere.
//!
//! **Development PKI:** [`generate_dev_pki`] makes a CA, a hub certificate
//! and one client certificate per office, for development on loopback only.
//!
//! ```no_run
//! # fn main() -> Result<(), fldm_tls::Error> {
//! fldm_tls::install_default_provider();
//! let pki = fldm_tls::generate_dev_pki(&[], &[("sozialamt", "sozialamt.example-stadt")])?;
//! let office = pki.office("sozialamt").expect("office was generated");
//! let server = fldm_tls::server_config(
//!     pki.hub.cert_pem.as_bytes(),
//!     pki.hub.key_pem.as_bytes(),
//!     pki.ca.cert_pem.as_bytes(),
//! )?;
//! let client = fldm_tls::client_config(
//!     pki.ca.cert_pem.as_bytes(),
//!     office.cert_pem.as_bytes(),
//!     office.key_pem.as_bytes(),
//! )?;
//! # let _ = (server, client);
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::crypto::ring as ring_provider;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, SignatureVerificationAlgorithm};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig, SignatureAlgorithm, SignatureScheme};

mod pki;

pub use pki::{DEV_VALIDITY_DAYS, DevPki, IssuedCert, generate_dev_pki};
/// The rustls version this crate builds on, so that users name the same types.
pub use rustls;

/// Errors of `fldm-tls`. Messages name files and inputs, never key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file to be read does not exist.
    #[error("file not found: {}", path.display())]
    MissingFile {
        /// The path as given.
        path: PathBuf,
    },
    /// A file exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file or directory could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input is not well-formed PEM.
    #[error("{what}: malformed PEM ({message})")]
    Pem {
        /// The input (a file path or a role such as "CA certificate").
        what: String,
        /// What is wrong.
        message: String,
    },
    /// The PEM input holds no `CERTIFICATE` section.
    #[error("{what}: no certificate in PEM input")]
    NoCertificate {
        /// The input (a file path or a role).
        what: String,
    },
    /// The PEM input holds no private key section.
    #[error("{what}: no private key in PEM input (expected PKCS#8, SEC1 or PKCS#1)")]
    NoPrivateKey {
        /// The input (a file path or a role).
        what: String,
    },
    /// The private key is of a type the profile does not use (for example
    /// Ed25519, P-521, or an encrypted key).
    #[error(
        "{what}: unsupported private key ({message}); the profile accepts unencrypted ECDSA P-256/P-384 and RSA keys"
    )]
    UnsupportedKey {
        /// The input (a file path or a role).
        what: String,
        /// The key type found, as far as known.
        message: String,
    },
    /// A certificate could not be parsed or is unusable.
    #[error("{what}: invalid certificate ({message})")]
    InvalidCertificate {
        /// The input (a file path or a role).
        what: String,
        /// Why.
        message: String,
    },
    /// The private key does not belong to the (first) certificate.
    #[error("{what}: the private key does not match the certificate")]
    KeyMismatch {
        /// The certificate/key pair (roles or paths).
        what: String,
    },
    /// A name given to the development PKI cannot be used (empty, or not
    /// usable as a DNS name or file name).
    #[error("invalid name {name:?}: {reason}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// Why it cannot be used.
        reason: &'static str,
    },
    /// The profile could not be applied to a rustls builder.
    #[error("TLS configuration: {0}")]
    Config(String),
    /// Certificate generation failed.
    #[error("certificate generation: {0}")]
    Generate(String),
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Protocol versions of the profile: TLS 1.3 and TLS 1.2 (TR-02102-2: TLS 1.2
/// required, TLS 1.3 recommended, nothing older).
pub static PROTOCOL_VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// ALPN protocols offered by [`server_config`] and [`client_config`], in order
/// of preference: HTTP/2, then HTTP/1.1.
pub const ALPN_PROTOCOLS: &[&[u8]] = &[b"h2", b"http/1.1"];

type SigAlgs = (
    Vec<&'static dyn SignatureVerificationAlgorithm>,
    Vec<(
        SignatureScheme,
        &'static [&'static dyn SignatureVerificationAlgorithm],
    )>,
);

/// The ring provider's signature verification algorithms without Ed25519
/// (not among the signature schemes of TR-02102-2). ECDSA (P-256, P-384) and
/// RSA (PSS, and PKCS#1 v1.5 as used in certificates and TLS 1.2) remain.
fn signature_algorithms() -> WebPkiSupportedAlgorithms {
    static ALGS: OnceLock<SigAlgs> = OnceLock::new();
    let base = ring_provider::default_provider().signature_verification_algorithms;
    let (all, mapping) = ALGS.get_or_init(|| {
        let ed25519 = rustls::pki_types::alg_id::ED25519;
        let all = base
            .all
            .iter()
            .copied()
            .filter(|a| a.public_key_alg_id() != ed25519)
            .collect();
        let mapping = base
            .mapping
            .iter()
            .copied()
            .filter(|(scheme, _)| *scheme != SignatureScheme::ED25519)
            .collect();
        (all, mapping)
    });
    WebPkiSupportedAlgorithms { all, mapping }
}

/// The ring provider restricted to the profile:
///
/// - cipher suites TLS13_AES_256_GCM_SHA384, TLS13_AES_128_GCM_SHA256,
///   TLS_ECDHE_ECDSA_WITH_AES_256/128_GCM_SHA384/256 and
///   TLS_ECDHE_RSA_WITH_AES_256/128_GCM_SHA384/256;
/// - key-exchange groups secp384r1 and secp256r1 (TLS 1.3 key shares are
///   sent for the first, secp384r1);
/// - signature verification: ECDSA and RSA, no Ed25519.
pub fn provider() -> Arc<CryptoProvider> {
    use ring_provider::cipher_suite as cs;
    use ring_provider::kx_group;
    Arc::new(CryptoProvider {
        cipher_suites: vec![
            cs::TLS13_AES_256_GCM_SHA384,
            cs::TLS13_AES_128_GCM_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ],
        kx_groups: vec![kx_group::SECP384R1, kx_group::SECP256R1],
        signature_verification_algorithms: signature_algorithms(),
        ..ring_provider::default_provider()
    })
}

/// Install the profile provider ([`provider`], i.e. *ring* restricted to the
/// profile) as the process-wide default, so that libraries which ask rustls
/// for the default provider (for example reqwest built with
/// `rustls-no-provider`) do not panic at run time.
///
/// Idempotent and safe to call from several threads. If a default provider
/// was already installed (by this function or by other code), it is kept.
pub fn install_default_provider() {
    if CryptoProvider::get_default().is_none() {
        // Losing a race against another installer is fine: a default exists.
        let _ = Arc::unwrap_or_clone(provider()).install_default();
    }
}

fn pem_error(what: &str, e: pem::Error) -> Error {
    match e {
        pem::Error::NoItemsFound => Error::NoCertificate {
            what: what.to_string(),
        },
        other => Error::Pem {
            what: what.to_string(),
            message: other.to_string(),
        },
    }
}

/// All certificates in the PEM input `pem` (sections other than
/// `CERTIFICATE` are skipped). `what` names the input in errors.
pub fn certs_from_pem(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| pem_error(what, e))?;
    if certs.is_empty() {
        return Err(Error::NoCertificate {
            what: what.to_string(),
        });
    }
    Ok(certs)
}

/// The first private key in the PEM input `pem` (PKCS#8, SEC1 or PKCS#1).
/// Encrypted keys are refused with [`Error::UnsupportedKey`].
pub fn key_from_pem(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>> {
    match PrivateKeyDer::from_pem_slice(pem) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => {
            if contains(pem, b"-----BEGIN ENCRYPTED PRIVATE KEY-----") {
                Err(Error::UnsupportedKey {
                    what: what.to_string(),
                    message: "encrypted PKCS#8 key".into(),
                })
            } else {
                Err(Error::NoPrivateKey {
                    what: what.to_string(),
                })
            }
        }
        Err(other) => Err(Error::Pem {
            what: what.to_string(),
            message: other.to_string(),
        }),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Read a file; a missing file is [`Error::MissingFile`] with its path.
pub fn read_file(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::MissingFile {
                path: path.to_path_buf(),
            }
        } else {
            Error::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// All certificates in the PEM file at `path`; errors name the path.
pub fn certs_from_file(path: impl AsRef<Path>) -> Result<Vec<CertificateDer<'static>>> {
    let path = path.as_ref();
    certs_from_pem(&read_file(path)?, &path.display().to_string())
}

/// The private key in the PEM file at `path`; errors name the path.
pub fn key_from_file(path: impl AsRef<Path>) -> Result<PrivateKeyDer<'static>> {
    let path = path.as_ref();
    key_from_pem(&read_file(path)?, &path.display().to_string())
}

fn roots(certs: Vec<CertificateDer<'static>>, what: &str) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for c in certs {
        roots.add(c).map_err(|e| Error::InvalidCertificate {
            what: what.to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(roots)
}

/// Refuse keys outside the profile (Ed25519, curves ring cannot sign with)
/// before rustls sees them, so the error says what is wrong.
fn check_key(provider: &CryptoProvider, key: &PrivateKeyDer<'static>, what: &str) -> Result<()> {
    let signing_key = provider
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|e| Error::UnsupportedKey {
            what: what.to_string(),
            message: e.to_string(),
        })?;
    match signing_key.algorithm() {
        SignatureAlgorithm::ECDSA | SignatureAlgorithm::RSA => Ok(()),
        other => Err(Error::UnsupportedKey {
            what: what.to_string(),
            message: format!("{other:?} key"),
        }),
    }
}

fn identity_error(what: &str, e: rustls::Error) -> Error {
    match e {
        rustls::Error::InconsistentKeys(_) => Error::KeyMismatch {
            what: what.to_string(),
        },
        other => Error::InvalidCertificate {
            what: what.to_string(),
            message: other.to_string(),
        },
    }
}

/// Server configuration of the hub from PEM bytes: the profile, the hub's
/// certificate chain (end-entity first) and private key, and client
/// certificates **required** and verified against the CA(s) in
/// `client_ca_pem` (mTLS; a client without a certificate, or with one from
/// another CA, fails the handshake).
///
/// ALPN: `h2` and `http/1.1` ([`ALPN_PROTOCOLS`]); a server that speaks only
/// HTTP/1.1 sets `alpn_protocols` to `[b"http/1.1"]` on the result.
pub fn server_config(
    cert_chain_pem: &[u8],
    key_pem: &[u8],
    client_ca_pem: &[u8],
) -> Result<ServerConfig> {
    let identity = Identity::from_pem("hub", cert_chain_pem, key_pem)?;
    let ca_what = "client CA certificate";
    server_config_from_parts(identity, certs_from_pem(client_ca_pem, ca_what)?, ca_what)
}

/// [`server_config`] from PEM files; errors name the files.
pub fn server_config_from_files(
    cert_chain: impl AsRef<Path>,
    key: impl AsRef<Path>,
    client_ca: impl AsRef<Path>,
) -> Result<ServerConfig> {
    let identity = Identity::from_files(cert_chain.as_ref(), key.as_ref())?;
    let client_ca = client_ca.as_ref();
    let ca_what = client_ca.display().to_string();
    server_config_from_parts(identity, certs_from_file(client_ca)?, &ca_what)
}

/// A certificate chain (end-entity first) and its private key, with the
/// name errors give the pair.
struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    what: String,
}

impl Identity {
    /// From PEM bytes; errors name `side`'s certificate and key (`hub`,
    /// `client`).
    fn from_pem(side: &str, chain_pem: &[u8], key_pem: &[u8]) -> Result<Identity> {
        Ok(Identity {
            chain: certs_from_pem(chain_pem, &format!("{side} certificate"))?,
            key: key_from_pem(key_pem, &format!("{side} key"))?,
            what: format!("{side} certificate and key"),
        })
    }

    /// From PEM files; errors name the files.
    fn from_files(chain: &Path, key: &Path) -> Result<Identity> {
        Ok(Identity {
            chain: certs_from_file(chain)?,
            key: key_from_file(key)?,
            what: format!("{} and {}", chain.display(), key.display()),
        })
    }
}

fn server_config_from_parts(
    identity: Identity,
    client_ca: Vec<CertificateDer<'static>>,
    ca_what: &str,
) -> Result<ServerConfig> {
    let Identity { chain, key, what } = identity;
    let provider = provider();
    check_key(&provider, &key, &what)?;
    let verifier = WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots(client_ca, ca_what)?),
        provider.clone(),
    )
    .build()
    .map_err(|e| Error::InvalidCertificate {
        what: ca_what.to_string(),
        message: e.to_string(),
    })?;
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(PROTOCOL_VERSIONS)
        .map_err(|e| Error::Config(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| identity_error(&what, e))?;
    cfg.alpn_protocols = ALPN_PROTOCOLS.iter().map(|p| p.to_vec()).collect();
    // TLS 1.2 only with the Extended Master Secret (RFC 7627).
    cfg.require_ems = true;
    Ok(cfg)
}

/// Client configuration from PEM bytes: the profile, only the CA(s) in
/// `ca_pem` as trust anchors (never the system store), and the office's
/// client certificate chain and key. ALPN offers [`ALPN_PROTOCOLS`].
pub fn client_config(
    ca_pem: &[u8],
    client_cert_pem: &[u8],
    client_key_pem: &[u8],
) -> Result<ClientConfig> {
    let ca_what = "CA certificate";
    let ca = certs_from_pem(ca_pem, ca_what)?;
    let identity = Identity::from_pem("client", client_cert_pem, client_key_pem)?;
    client_config_from_parts(ca, ca_what, identity)
}

/// [`client_config`] from PEM files; errors name the files.
pub fn client_config_from_files(
    ca: impl AsRef<Path>,
    client_cert: impl AsRef<Path>,
    client_key: impl AsRef<Path>,
) -> Result<ClientConfig> {
    let ca = ca.as_ref();
    let roots = certs_from_file(ca)?;
    let identity = Identity::from_files(client_cert.as_ref(), client_key.as_ref())?;
    client_config_from_parts(roots, &ca.display().to_string(), identity)
}

fn client_config_from_parts(
    ca: Vec<CertificateDer<'static>>,
    ca_what: &str,
    identity: Identity,
) -> Result<ClientConfig> {
    let Identity { chain, key, what } = identity;
    let provider = provider();
    check_key(&provider, &key, &what)?;
    let mut cfg = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(PROTOCOL_VERSIONS)
        .map_err(|e| Error::Config(e.to_string()))?
        .with_root_certificates(roots(ca, ca_what)?)
        .with_client_auth_cert(chain, key)
        .map_err(|e| identity_error(&what, e))?;
    cfg.alpn_protocols = ALPN_PROTOCOLS.iter().map(|p| p.to_vec()).collect();
    // TLS 1.2 only with the Extended Master Secret (RFC 7627).
    cfg.require_ems = true;
    Ok(cfg)
}

/// The identity of a peer, from its end-entity certificate (the first of
/// `certs`, as returned by rustls' `peer_certificates()`): the subject common
/// name, or, if the subject has no common name, the first DNS subject
/// alternative name. `None` if there is no certificate, it cannot be parsed,
/// or it carries neither.
///
/// The hub maps this identity to an office through the policy file; it is
/// only meaningful on a connection whose client certificate was verified
/// (i.e. a config from [`server_config`]).
///
/// Parsing uses `x509-parser` (rusticata, maintained, also the parser rcgen
/// uses for reading certificates); rustls and webpki verify certificates but
/// do not expose subject names.
pub fn peer_identity(certs: &[CertificateDer<'_>]) -> Option<String> {
    let ee = certs.first()?;
    let (_, cert) = x509_parser::parse_x509_certificate(ee.as_ref()).ok()?;
    if let Some(cn) = cert.subject().iter_common_name().next() {
        return cn.as_str().ok().map(str::to_string);
    }
    let san = cert.subject_alternative_name().ok()??;
    san.value.general_names.iter().find_map(|n| match n {
        x509_parser::extensions::GeneralName::DNSName(d) => Some((*d).to_string()),
        _ => None,
    })
}
