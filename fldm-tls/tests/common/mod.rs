//! Shared test harness: development PKIs, a one-connection TLS server and a
//! TLS client on 127.0.0.1, every wait bounded.
#![allow(dead_code)]

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use fldm_tls::rustls::pki_types::ServerName;
use fldm_tls::rustls::{self, ClientConfig, ServerConfig};
use fldm_tls::{DevPki, IssuedCert};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Upper bound for every network step of a test.
pub const STEP: Duration = Duration::from_secs(10);

pub const OFFICE: &str = "sozialamt";
pub const OFFICE_IDENTITY: &str = "sozialamt.stadt.example";

pub struct Pkis {
    /// The PKI the hub and the offices use.
    pub ours: DevPki,
    /// An unrelated PKI with the same names.
    pub other: DevPki,
}

pub fn pkis() -> &'static Pkis {
    static PKIS: OnceLock<Pkis> = OnceLock::new();
    PKIS.get_or_init(|| {
        let offices = [
            (OFFICE, OFFICE_IDENTITY),
            ("jugendamt", "jugendamt.stadt.example"),
        ];
        Pkis {
            ours: fldm_tls::generate_dev_pki(&["hub.stadt.example"], &offices)
                .expect("generate PKI"),
            other: fldm_tls::generate_dev_pki(&["hub.stadt.example"], &offices)
                .expect("generate other PKI"),
        }
    })
}

pub fn office(pki: &DevPki) -> &IssuedCert {
    pki.office(OFFICE).expect("office certificate")
}

/// The profile server config of `pki`'s hub, trusting `pki`'s CA for clients.
pub fn hub_config(pki: &DevPki) -> Arc<ServerConfig> {
    Arc::new(
        fldm_tls::server_config(
            pki.hub.cert_pem.as_bytes(),
            pki.hub.key_pem.as_bytes(),
            pki.ca.cert_pem.as_bytes(),
        )
        .expect("server config"),
    )
}

/// The profile client config: trusts `ca`'s CA, presents `id`.
pub fn office_config(ca: &DevPki, id: &IssuedCert) -> Arc<ClientConfig> {
    Arc::new(
        fldm_tls::client_config(
            ca.ca.cert_pem.as_bytes(),
            id.cert_pem.as_bytes(),
            id.key_pem.as_bytes(),
        )
        .expect("client config"),
    )
}

pub fn certs(pem: &str) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    fldm_tls::certs_from_pem(pem.as_bytes(), "test").expect("certs")
}

pub fn key(pem: &str) -> rustls::pki_types::PrivateKeyDer<'static> {
    fldm_tls::key_from_pem(pem.as_bytes(), "test").expect("key")
}

pub fn roots(pki: &DevPki) -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    for c in certs(&pki.ca.cert_pem) {
        roots.add(c).expect("root");
    }
    roots
}

/// What one side saw of an established connection.
#[derive(Debug, Clone)]
pub struct Seen {
    pub version: Option<rustls::ProtocolVersion>,
    pub suite: Option<rustls::CipherSuite>,
    pub group: Option<rustls::NamedGroup>,
    pub alpn: Option<Vec<u8>>,
    /// Server side: identity from the client certificate.
    pub peer_identity: Option<String>,
    /// Client side: the server's reply.
    pub reply: Vec<u8>,
}

fn seen(conn: &rustls::CommonState) -> Seen {
    Seen {
        version: conn.protocol_version(),
        suite: conn.negotiated_cipher_suite().map(|s| s.suite()),
        group: conn.negotiated_key_exchange_group().map(|g| g.name()),
        alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
        peer_identity: conn.peer_certificates().and_then(fldm_tls::peer_identity),
        reply: Vec::new(),
    }
}

async fn bounded<T>(fut: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    tokio::time::timeout(STEP, fut)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "test step timed out"))?
}

/// A free port on 127.0.0.1 (bind port 0, read it, release it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Listen on 127.0.0.1, accept one connection, run the TLS handshake; on
/// success answer `ping` with `pong`. The task yields what the server saw, or
/// the handshake error.
pub async fn serve_once(cfg: Arc<ServerConfig>) -> (u16, JoinHandle<io::Result<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let task = tokio::spawn(async move {
        let (tcp, _) = bounded(listener.accept()).await?;
        let mut tls = bounded(tokio_rustls::TlsAcceptor::from(cfg).accept(tcp)).await?;
        let info = seen(tls.get_ref().1);
        let mut buf = [0u8; 4];
        if let Ok(Ok(n)) = tokio::time::timeout(STEP, tls.read(&mut buf)).await
            && &buf[..n] == b"ping"
        {
            let _ = bounded(tls.write_all(b"pong")).await;
            let _ = bounded(tls.shutdown()).await;
        }
        Ok(info)
    });
    (port, task)
}

/// Connect to 127.0.0.1:`port` as `localhost`, handshake, send `ping` and
/// read the reply to the end. `Ok` only if the whole exchange worked.
pub async fn exchange(cfg: Arc<ClientConfig>, port: u16) -> io::Result<Seen> {
    let tcp = bounded(TcpStream::connect(("127.0.0.1", port))).await?;
    let name = ServerName::try_from("localhost").expect("server name");
    let mut tls = bounded(tokio_rustls::TlsConnector::from(cfg).connect(name, tcp)).await?;
    let mut info = seen(tls.get_ref().1);
    bounded(tls.write_all(b"ping")).await?;
    bounded(tls.read_to_end(&mut info.reply)).await?;
    Ok(info)
}

/// Run [`serve_once`] with `server` and [`exchange`] with `client`.
pub async fn pair(
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
) -> (io::Result<Seen>, io::Result<Seen>) {
    let (port, task) = serve_once(server).await;
    let client = exchange(client, port).await;
    let server = task.await.expect("server task");
    (server, client)
}

/// The rustls error inside an I/O error from tokio-rustls, if any. A TLS
/// refusal shows up as one; a connection or harness failure does not.
pub fn tls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

/// Assert that `r` failed inside TLS (not by timeout or connect failure) and
/// return the rustls error.
pub fn expect_tls_refusal<'a>(r: &'a io::Result<Seen>, side: &str) -> &'a rustls::Error {
    match r {
        Ok(seen) => panic!("{side}: connection was established: {seen:?}"),
        Err(e) => tls_error(e).unwrap_or_else(|| panic!("{side}: failed outside TLS: {e}")),
    }
}

/// A scratch directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "fldm-tls-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
