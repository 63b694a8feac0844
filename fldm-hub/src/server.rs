//! Starting and stopping the hub: TLS with required client certificates,
//! one axum router per connection carrying the office identity of that
//! connection's certificate, graceful shutdown.
//!
//! ```no_run
//! # async fn run() -> Result<(), fldm_hub::HubError> {
//! let config = fldm_hub::config::HubConfig::load("hub.toml")?;
//! let hub = fldm_hub::Hub::start(config).await?;
//! let persons: Vec<fldm_core::record::Person> = Vec::new(); // e.g. read from a file
//! hub.load_persons(persons)?;
//! println!("listening on {}", hub.local_addr());
//! hub.shutdown().await;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use fldm_core::audit::{Journal, JournalOptions, PseudonymKey, SigningKey, hex};
use fldm_core::policy::Policy;
use fldm_core::record::Person;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::api::{self, AppState, OfficeIdentity};
use crate::config::{ConfigError, HubConfig};
use crate::store::{Store, StoreError, StoreOptions};

/// How long a TLS handshake may take.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the request head may take to arrive (HTTP/1).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long shutdown waits for open connections.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Why the hub could not start or seed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Certificates, keys or the TLS profile.
    #[error("TLS: {0}")]
    Tls(#[from] fldm_tls::Error),
    /// Policy, audit keys or journal.
    #[error(transparent)]
    Core(#[from] fldm_core::Error),
    /// The database.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Another process (or another hub of this process) writes the audit
    /// journal.
    #[error(transparent)]
    JournalLock(#[from] crate::audit_log::JournalLockError),
    /// Binding the listen address or starting the runtime.
    #[error("{context}: {source}")]
    Io {
        /// What was done.
        context: String,
        /// Why it failed.
        source: std::io::Error,
    },
}

/// The reference hub.
#[derive(Debug)]
pub struct Hub;

/// A running hub; stop it with [`RunningHub::shutdown`].
#[derive(Debug)]
pub struct RunningHub {
    addr: SocketAddr,
    state: Arc<AppState>,
    owner_office: String,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// Open what a hub works on — policy, keys, the audit journal (taking its
/// [`JournalLock`](crate::JournalLock)) and the database — without serving:
/// for commands that work on the hub's database directly
/// (`fldm hub import`, `fldm hub expire`). Fails with
/// [`HubError::JournalLock`] while a hub or another such command holds
/// the journal. Blocking.
pub fn open_offline(config: &HubConfig) -> Result<AppState, HubError> {
    open_state(config, Duration::ZERO)
}

/// How long a starting hub waits for the journal lock: a hub restarted
/// right after the old process was killed finds the lock held until that
/// process has really ended (e.g. finished an fsync).
pub const JOURNAL_LOCK_WAIT: Duration = Duration::from_secs(10);

fn open_state(config: &HubConfig, lock_wait: Duration) -> Result<AppState, HubError> {
    let policy = Policy::load(&config.policy)?;
    let signing = SigningKey::load(&config.audit_signing_key)?;
    let public_key_hex = hex(signing.public_key().as_bytes());
    let pseudonym = PseudonymKey::load(&config.pseudonym_key)?;
    std::fs::create_dir_all(&config.audit_dir).map_err(|source| HubError::Io {
        context: format!("creating audit directory {}", config.audit_dir.display()),
        source,
    })?;
    // Before the journal is opened: opening truncates a torn tail, which
    // could be another writer's append in flight.
    let journal_lock = crate::audit_log::JournalLock::acquire_within(&config.audit_dir, lock_wait)?;
    let (journal, _report) = Journal::open(
        &config.audit_dir,
        JournalOptions {
            origin: Some("fldm-hub".into()),
            signing_key: Some(signing),
            checkpoint_interval: config.checkpoint_interval,
            ..JournalOptions::default()
        },
    )?;
    if let Some(parent) = config.database.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|source| HubError::Io {
            context: format!("creating database directory {}", parent.display()),
            source,
        })?;
    }
    let store = Store::open(
        &config.database,
        StoreOptions {
            search_keys: Some(fldm_core::matching::blocking_keys),
            ..StoreOptions::default()
        },
    )?;
    Ok(AppState {
        policy,
        store,
        journal,
        public_key_hex,
        pseudonym,
        max_body_bytes: config.max_body_bytes,
        audit_fault: std::sync::atomic::AtomicBool::new(false),
        _journal_lock: journal_lock,
    })
}

impl Hub {
    /// Load policy, keys, journal and database, bind the listen address and
    /// start serving (on the current tokio runtime). Installs the ring
    /// crypto provider as the process default.
    pub async fn start(config: HubConfig) -> Result<RunningHub, HubError> {
        fldm_tls::install_default_provider();
        let tls = fldm_tls::server_config_from_files(
            &config.tls_certificate,
            &config.tls_key,
            &config.client_ca,
        )?;
        let cfg = config.clone();
        let state = tokio::task::spawn_blocking(move || open_state(&cfg, JOURNAL_LOCK_WAIT))
            .await
            .map_err(|e| HubError::Io {
                context: "opening the hub state".into(),
                source: std::io::Error::other(e.to_string()),
            })??;
        let state = Arc::new(state);
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| HubError::Io {
                context: format!("binding {}", config.listen),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| HubError::Io {
            context: "reading the listen address".into(),
            source,
        })?;
        let (stop, stop_rx) = watch::channel(false);
        let router = api::router(Arc::clone(&state));
        let acceptor = TlsAcceptor::from(Arc::new(tls));
        let task = tokio::spawn(serve_tls(listener, acceptor, router, stop_rx));
        Ok(RunningHub {
            addr,
            state,
            owner_office: config.owner_office.clone(),
            stop,
            task,
        })
    }
}

/// Serve `router` on `listener` the way the hub does: TLS through
/// `acceptor` (handshake within [`HANDSHAKE_TIMEOUT`]), the peer's
/// certificate identity as an [`OfficeIdentity`] extension, HTTP/1.1 with
/// [`HEADER_TIMEOUT`], until `stop` changes; then open requests get
/// [`SHUTDOWN_GRACE`] to finish. Public so that a benchmark can serve a
/// baseline through exactly the same stack.
pub async fn serve_tls(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    router: axum::Router,
    mut stop: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((tcp, _peer)) = accepted else { continue };
                let acceptor = acceptor.clone();
                let router = router.clone();
                let stop = stop.clone();
                conns.spawn(serve_connection(tcp, acceptor, router, stop));
            }
        }
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        conns.abort_all();
    }
}

async fn serve_connection(
    tcp: tokio::net::TcpStream,
    acceptor: TlsAcceptor,
    router: axum::Router,
    mut stop: watch::Receiver<bool>,
) {
    // A failed handshake (no client certificate, unknown CA, wrong
    // profile) ends the connection; rustls has sent the alert.
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        _ => return,
    };
    let cert_identity = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(fldm_tls::peer_identity);
    let router = router.layer(axum::Extension(OfficeIdentity { cert_identity }));
    let service = TowerToHyperService::new(router);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let conn = builder.serve_connection(TokioIo::new(tls), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stop.changed() => {
            // Shutdown (or the hub is gone): finish the requests in flight.
            conn.as_mut().graceful_shutdown();
            let _ = conn.as_mut().await;
        }
    }
}

impl RunningHub {
    /// The address the hub listens on (with the port actually bound).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (policy, store, journal), for embedding and tests.
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Load `persons` into the store, owned by the configured owner office,
    /// in one transaction (all or nothing, see [`Store::seed`]). Returns the
    /// number stored. Blocking: call from a blocking context or
    /// use `tokio::task::spawn_blocking` for many persons.
    pub fn load_persons(&self, persons: impl IntoIterator<Item = Person>) -> Result<u64, HubError> {
        load_persons(&self.state.store, &self.owner_office, persons)
    }

    /// Stop accepting connections, let open requests finish (at most
    /// [`SHUTDOWN_GRACE`]), write a final audit checkpoint.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        let state = Arc::clone(&self.state);
        let _ = tokio::task::spawn_blocking(move || {
            if !state.journal.is_empty() {
                let _ = state.journal.checkpoint();
            }
        })
        .await;
    }
}

/// Load `persons` into `store`, owned by `owner_office`, in one
/// transaction (all or nothing, see [`Store::seed`]). Returns the number
/// stored.
pub fn load_persons(
    store: &Store,
    owner_office: &str,
    persons: impl IntoIterator<Item = Person>,
) -> Result<u64, HubError> {
    Ok(store.seed(persons, owner_office)?)
}

/// Run a hub until Ctrl-C (SIGINT) or SIGTERM: the entry point of
/// `fldm hub serve --config FILE`. Blocking; builds its own runtime.
pub fn serve(config: HubConfig) -> Result<(), HubError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| HubError::Io {
            context: "starting the async runtime".into(),
            source,
        })?;
    rt.block_on(async move {
        let expiry = config.expiry.clone();
        let hub = Hub::start(config).await?;
        eprintln!("fldm hub listening on https://{}", hub.local_addr());
        let sweep = start_expiry_sweep(Arc::clone(hub.state()), &expiry);
        wait_for_signal().await;
        if let Some(sweep) = sweep {
            sweep.abort();
        }
        hub.shutdown().await;
        Ok(())
    })
}

/// How long after the start the first deletion-deadline sweep runs.
pub const FIRST_SWEEP_DELAY: Duration = Duration::from_secs(2);

/// Start the deletion-deadline sweep of a serving hub (the `[expiry]`
/// table; `None` when it is switched off): [`crate::lifecycle::expire`]
/// for today (UTC) [`FIRST_SWEEP_DELAY`] after the start and then every
/// `interval_hours`. Each sweep logs one line with counts only (per
/// deletion rule and in all) to standard error; a failed sweep logs its
/// error, which names no person, and the next one runs as planned. Abort
/// the returned task to stop it. Needs a tokio runtime.
pub fn start_expiry_sweep(
    state: Arc<AppState>,
    expiry: &crate::config::ExpiryConfig,
) -> Option<tokio::task::JoinHandle<()>> {
    if !expiry.enabled {
        return None;
    }
    let every = Duration::from_secs(expiry.interval_hours.saturating_mul(3600));
    Some(tokio::spawn(async move {
        tokio::time::sleep(FIRST_SWEEP_DELAY).await;
        loop {
            let st = Arc::clone(&state);
            let result = tokio::task::spawn_blocking(move || {
                let today = fldm_core::policy::today_utc()?;
                crate::lifecycle::expire(&st, today, false)
            })
            .await;
            match result {
                Ok(Ok(report)) => {
                    let rules: Vec<String> = report
                        .per_rule
                        .iter()
                        .map(|(id, n)| format!("{id}: {n}"))
                        .collect();
                    eprintln!(
                        "fldm hub: expiry sweep: expired {} of {} records{}",
                        report.total,
                        report.scanned,
                        if rules.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", rules.join(", "))
                        }
                    );
                }
                Ok(Err(e)) => eprintln!("fldm hub: expiry sweep failed: {e}"),
                Err(_) => eprintln!("fldm hub: expiry sweep failed: task ended"),
            }
            tokio::time::sleep(every).await;
        }
    }))
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
