//! Interoperability and refusals against OpenSSL (`openssl s_server` /
//! `openssl s_client`) for what rustls itself cannot offer: TLS 1.0/1.1 and
//! CBC suites. Each refusal test first shows, with a control handshake, that
//! the OpenSSL peer really is up and speaks what it is meant to speak.
//!
//! Needs the `openssl` binary (PATH or /usr/bin/openssl). The tests fail if
//! it is missing, unless `FLDM_SKIP_OPENSSL=1`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// `DEFAULT:@SECLEVEL=0`: OpenSSL 3 only does TLS 1.0/1.1 at security level 0.
const LEGACY: &str = "DEFAULT:@SECLEVEL=0";
const CBC_ONLY: &str = "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384";

/// OpenSSL configuration that turns the Extended Master Secret off
/// (`OPENSSL_CONF`; the s_client/s_server of OpenSSL 3.0 have no flag for it).
const NO_EMS_CONF: &str = "openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = sys
[sys]
Options = -ExtendedMasterSecret
";

/// How to run an OpenSSL peer.
#[derive(Clone, Copy, PartialEq)]
enum Ems {
    On,
    Off,
}

/// The openssl binary, or `None` when the tests are to be skipped.
fn openssl() -> Option<PathBuf> {
    if std::env::var("FLDM_SKIP_OPENSSL").as_deref() == Ok("1") {
        eprintln!("FLDM_SKIP_OPENSSL=1: skipping OpenSSL interoperability test");
        return None;
    }
    let found = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if found {
        return Some(PathBuf::from("openssl"));
    }
    let fallback = Path::new("/usr/bin/openssl");
    assert!(
        fallback.exists(),
        "the openssl binary is needed for this test (install it, or set FLDM_SKIP_OPENSSL=1)"
    );
    Some(fallback.to_path_buf())
}

/// A child process that is killed and reaped when dropped, also on panic.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The development PKI written to a scratch directory.
struct Files {
    dir: TempDir,
}

impl Files {
    fn new() -> Self {
        let dir = TempDir::new("openssl");
        pkis().ours.write_to(&dir.0).expect("write PKI");
        std::fs::write(dir.0.join("no-ems.cnf"), NO_EMS_CONF).expect("write no-EMS config");
        Files { dir }
    }
    fn path(&self, name: &str) -> String {
        self.dir.0.join(name).display().to_string()
    }
}

/// Start `openssl s_server -www` on a free port with the hub certificate and
/// `args`; returns once the port accepts connections.
async fn s_server(openssl: &Path, files: &Files, args: &[&str], ems: Ems) -> (Killed, u16) {
    let port = free_port();
    let mut cmd = Command::new(openssl);
    if ems == Ems::Off {
        cmd.env("OPENSSL_CONF", files.path("no-ems.cnf"));
    }
    let child = cmd
        .arg("s_server")
        .args(["-accept", &format!("127.0.0.1:{port}")])
        .args([
            "-cert",
            &files.path("hub.pem"),
            "-key",
            &files.path("hub-key.pem"),
        ])
        .arg("-www")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start openssl s_server");
    let mut child = Killed(child);
    let deadline = Instant::now() + STEP;
    loop {
        if let Some(status) = child.0.try_wait().expect("poll s_server") {
            panic!("openssl s_server {args:?} exited early: {status}");
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (child, port);
        }
        assert!(
            Instant::now() < deadline,
            "openssl s_server did not start listening"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Run `openssl s_client` against 127.0.0.1:`port` with the office
/// certificate and `args`, stdin closed; killed if it does not finish in time.
async fn s_client(openssl: &Path, files: &Files, port: u16, args: &[&str], ems: Ems) -> Output {
    let mut cmd = Command::new(openssl);
    if ems == Ems::Off {
        cmd.env("OPENSSL_CONF", files.path("no-ems.cnf"));
    }
    let child = cmd
        .arg("s_client")
        .args([
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
        ])
        .args(["-CAfile", &files.path("ca.pem")])
        .args(["-cert", &files.path(&format!("{OFFICE}.pem"))])
        .args(["-key", &files.path(&format!("{OFFICE}-key.pem"))])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start openssl s_client");
    let mut child = Killed(child);
    let deadline = Instant::now() + STEP;
    while child.0.try_wait().expect("poll s_client").is_none() {
        assert!(
            Instant::now() < deadline,
            "openssl s_client {args:?} did not finish"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Take the child out of the guard: it has exited; collect its output.
    let mut out = Output {
        status: child.0.wait().expect("s_client status"),
        stdout: Vec::new(),
        stderr: Vec::new(),
    };
    use std::io::Read;
    if let Some(mut s) = child.0.stdout.take() {
        let _ = s.read_to_end(&mut out.stdout);
    }
    if let Some(mut s) = child.0.stderr.take() {
        let _ = s.read_to_end(&mut out.stderr);
    }
    out
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Our profile client against the OpenSSL server on `port`: an HTTP request
/// to `s_server -www`.
async fn profile_client_get(port: u16) -> std::io::Result<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let pki = &pkis().ours;
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let name = fldm_tls::rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let fut = async {
        let mut tls = tokio_rustls::TlsConnector::from(office_config(pki, office(pki)))
            .connect(name, tcp)
            .await?;
        tls.write_all(b"GET / HTTP/1.0\r\n\r\n").await?;
        let mut body = Vec::new();
        tls.read_to_end(&mut body).await?;
        Ok(body)
    };
    tokio::time::timeout(STEP, fut)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out"))?
}

fn assert_refused_in_tls(r: std::io::Result<Vec<u8>>, what: &str) {
    match r {
        Ok(body) => panic!(
            "{what}: connection established:\n{}",
            String::from_utf8_lossy(&body)
        ),
        Err(e) => {
            let err = tls_error(&e).unwrap_or_else(|| panic!("{what}: failed outside TLS: {e}"));
            eprintln!("{what}: refused: {err:?}");
        }
    }
}

/// An `s_client` control run against an OpenSSL server: must succeed with
/// the expected protocol (and Extended Master Secret use, for TLS 1.2).
async fn assert_openssl_server_speaks(
    openssl: &Path,
    files: &Files,
    port: u16,
    args: &[&str],
    protocol: &str,
    ems: Ems,
) {
    let out = s_client(openssl, files, port, args, ems).await;
    let text = text(&out);
    assert!(
        out.status.success(),
        "control s_client {args:?} failed:\n{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.trim() == format!("Protocol  : {protocol}")),
        "control s_client {args:?} did not negotiate {protocol}:\n{text}"
    );
    if ems == Ems::Off {
        assert!(text.contains("Extended master secret: no"), "{text}");
    }
}

#[tokio::test]
async fn client_talks_to_openssl_tls12_gcm_server() {
    let Some(openssl) = openssl() else { return };
    let files = Files::new();
    let args = ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"];
    let (_server, port) = s_server(&openssl, &files, &args, Ems::On).await;
    let body = profile_client_get(port)
        .await
        .expect("profile client against TLS 1.2 GCM server");
    let body = String::from_utf8_lossy(&body);
    assert!(body.starts_with("HTTP/1.0 200"), "{body}");
    assert!(body.contains("ECDHE-ECDSA-AES128-GCM-SHA256"), "{body}");
}

#[tokio::test]
async fn client_refuses_openssl_tls11_server() {
    let Some(openssl) = openssl() else { return };
    let files = Files::new();
    let args = ["-tls1_1", "-cipher", LEGACY];
    let (_server, port) = s_server(&openssl, &files, &args, Ems::On).await;
    assert_openssl_server_speaks(&openssl, &files, port, &args, "TLSv1.1", Ems::On).await;
    assert_refused_in_tls(profile_client_get(port).await, "TLS 1.1 server");
}

#[tokio::test]
async fn client_refuses_openssl_cbc_only_server() {
    let Some(openssl) = openssl() else { return };
    let files = Files::new();
    let args = ["-tls1_2", "-cipher", CBC_ONLY];
    let (_server, port) = s_server(&openssl, &files, &args, Ems::On).await;
    assert_openssl_server_speaks(&openssl, &files, port, &args, "TLSv1.2", Ems::On).await;
    assert_refused_in_tls(profile_client_get(port).await, "CBC-only server");
}

#[tokio::test]
async fn client_refuses_openssl_tls12_server_without_ems() {
    let Some(openssl) = openssl() else { return };
    let files = Files::new();
    let args = ["-tls1_2"];
    let (_server, port) = s_server(&openssl, &files, &args, Ems::Off).await;
    assert_openssl_server_speaks(&openssl, &files, port, &args, "TLSv1.2", Ems::Off).await;
    assert_refused_in_tls(profile_client_get(port).await, "server without EMS");
}

/// Our hub config against `openssl s_client args`: returns the s_client
/// output and what our server saw.
async fn openssl_client_against_hub(
    openssl: &Path,
    files: &Files,
    args: &[&str],
    ems: Ems,
) -> (Output, std::io::Result<Seen>) {
    let (port, task) = serve_once(hub_config(&pkis().ours)).await;
    let out = s_client(openssl, files, port, args, ems).await;
    let seen = task.await.expect("server task");
    (out, seen)
}

#[tokio::test]
async fn hub_accepts_openssl_tls12_and_tls13_clients() {
    let Some(openssl) = openssl() else { return };
    let files = Files::new();
    for (flag, version) in [
        ("-tls1_2", fldm_tls::rustls::ProtocolVersion::TLSv1_2),
        ("-tls1_3", fldm_tls::rustls::ProtocolVersion::TLSv1_3),
    ] {
        let (out, seen) = openssl_client_against_hub(&openssl, &files, &[flag], Ems::On).await;
        assert!(out.status.success(), "{flag}: {}", text(&out));
        let seen = seen.expect("hub side");
        assert_eq!(seen.peer_identity.as_deref(), Some(OFFICE_IDENTITY));
        assert_eq!(seen.version, Some(version));
    }
}

#[tokio::test]
async fn hub_refuses_openssl_tls11_and_tls10_clients() {
    let Some(openssl) = openssl() else { return };
    let files = Files::new();
    // Control: OpenSSL here can still speak TLS 1.1 and 1.0 (to itself).
    for (flag, name) in [("-tls1_1", "TLSv1.1"), ("-tls1", "TLSv1")] {
        let args = [flag, "-cipher", LEGACY];
        let (_server, port) = s_server(&openssl, &files, &args, Ems::On).await;
        assert_openssl_server_speaks(&openssl, &files, port, &args, name, Ems::On).await;
    }
    for flag in ["-tls1_1", "-tls1"] {
        let args = [flag, "-cipher", LEGACY];
        let (out, seen) = openssl_client_against_hub(&openssl, &files, &args, Ems::On).await;
        assert!(
            !out.status.success(),
            "s_client {flag} succeeded:\n{}",
            text(&out)
        );
        let err = expect_tls_refusal(&seen, "hub");
        assert!(
            matches!(err, fldm_tls::rustls::Error::PeerIncompatible(_)),
            "{flag}: {err:?}"
        );
    }
}

#[tokio::test]
async fn hub_refuses_openssl_cbc_only_client() {
    let Some(openssl) = openssl() else { return };
    let files = Files::new();
    let args = ["-tls1_2", "-cipher", CBC_ONLY];
    let (out, seen) = openssl_client_against_hub(&openssl, &files, &args, Ems::On).await;
    assert!(!out.status.success(), "{}", text(&out));
    let err = expect_tls_refusal(&seen, "hub");
    assert!(
        matches!(
            err,
            fldm_tls::rustls::Error::PeerIncompatible(
                fldm_tls::rustls::PeerIncompatible::NoCipherSuitesInCommon
            )
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn hub_refuses_openssl_tls12_client_without_ems() {
    let Some(openssl) = openssl() else { return };
    let files = Files::new();
    let (out, seen) = openssl_client_against_hub(&openssl, &files, &["-tls1_2"], Ems::Off).await;
    assert!(!out.status.success(), "{}", text(&out));
    let err = expect_tls_refusal(&seen, "hub");
    assert!(
        matches!(err, fldm_tls::rustls::Error::PeerIncompatible(_)),
        "{err:?}"
    );
}
