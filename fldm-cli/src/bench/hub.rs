//! `fldm bench hub`: the reference hub over HTTPS with mTLS on 127.0.0.1,
//! next to the same HTTP stack serving static bodies, in the same run.
//!
//! 1. GET `/v1/persons/{id}` as the housing office (purpose W01), several
//!    concurrent clients, each with its own keep-alive connection: the real
//!    hub (policy decision, SQLite read, filter, JSON, hub audit journal)
//!    against a server built the same way (tokio, rustls with the
//!    `fldm-tls` server profile and client certificates, hyper-util, axum)
//!    that answers every id with the hub's own body for it, fetched once
//!    before the run. Both sides are measured with the `fldm-client`
//!    `HubClient` (decoding and record validation included on both), with
//!    its client journal switched off.
//! 2. A full change-feed sync as the housing office, page by page, against
//!    moving the same number of bytes, in pages of the same sizes, as
//!    static bodies over the same TLS stack.
//!
//! Seeding the hub is timed and printed separately; it is not part of any
//! ratio. Everything runs on loopback, every loop has a count and a time
//! limit.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use fldm_client::{Context, HubClient, RetryPolicy};
use fldm_core::wire::{self, headers};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::CmdResult;
use crate::cmd_demo::REFERENCE_POLICY;
use crate::cmd_hub;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The office, purpose and case reference of every request.
const OFFICE: &str = "wohnungsamt";
const PURPOSE: &str = "W01";
const CASE: &str = "WA-2026-BENCH";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Persons in the hub; the change-feed sync reads all of them.
    #[arg(long, default_value_t = 250_000)]
    persons: usize,
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Concurrent GET clients, each with its own keep-alive connection.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Measured GET requests per side (hub, static), split over the clients.
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// Distinct persons the GETs cycle through (spread over the whole population).
    #[arg(long, default_value_t = 5_000)]
    ids: usize,
    /// Change-feed page size (the hub allows 1 to 1000).
    #[arg(long, default_value_t = 1000)]
    page_size: u32,
    /// Time limit of each measured phase, in seconds.
    #[arg(long, default_value_t = 300)]
    max_seconds: u64,
    /// Keep the PKI, configuration, database and hub journal in DIR
    /// (default: a temporary directory that is removed at the end).
    #[arg(long)]
    keep: Option<PathBuf>,
}

pub fn run(a: Args) -> CmdResult {
    if a.persons == 0 || a.concurrency == 0 || a.requests == 0 || a.ids == 0 {
        return Err("--persons, --concurrency, --requests and --ids must be at least 1".into());
    }
    if !(1..=1000).contains(&a.page_size) {
        return Err("--page-size: 1 to 1000".into());
    }
    let (dir, _cleanup) = crate::cmd_hub::work_dir(a.keep.as_deref(), "fldm-bench-hub")?;
    let policy_path = dir.join("policy.toml");
    std::fs::write(&policy_path, REFERENCE_POLICY)?;
    cmd_hub::init_pki(&dir, &policy_path, "127.0.0.1:0", &[])?;
    for f in ["hub.sqlite", "hub.sqlite-wal", "hub.sqlite-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let _ = std::fs::remove_dir_all(dir.join("hub-audit"));
    let mut config = fldm_hub::config::HubConfig::load(dir.join(cmd_hub::HUB_CONFIG_FILE))?;
    config.listen = "127.0.0.1:0".parse()?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let hub = rt.block_on(fldm_hub::Hub::start(config))?;
    println!(
        "hub benchmark on 127.0.0.1: TLS with client certificates ({OFFICE}, purpose {PURPOSE}), {} worker threads",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let t = Instant::now();
    let seeded = hub.load_persons(fldm_synth::Population::new(a.seed).take(a.persons))?;
    println!(
        "seeding (not part of any ratio): {seeded} synthetic persons in {:.1} s ({:.0} persons/s)",
        t.elapsed().as_secs_f64(),
        seeded as f64 / t.elapsed().as_secs_f64().max(1e-9)
    );
    let hub_url = format!("https://{}", hub.local_addr());
    let result = rt.block_on(measure(&dir, &hub_url, &a));
    rt.block_on(hub.shutdown());
    result.map_err(|e| -> Box<dyn std::error::Error> { e })
}

async fn measure(dir: &Path, hub_url: &str, a: &Args) -> Result<ExitCode, BoxError> {
    let raw = raw_client(dir)?;
    let limit = Duration::from_secs(a.max_seconds.max(1));

    // --- Change feed: raw pages from the hub (sizes, cursors, ids) -------
    println!(
        "\nchange-feed sync of {} persons as {OFFICE}, pages of {}",
        a.persons, a.page_size
    );
    let feed = raw_feed(&raw, hub_url, a.page_size, a.persons, limit).await?;
    let bytes: u64 = feed.sizes.iter().sum();

    // --- Change feed: the sync with fldm-client ----------------------------
    let client = hub_client(dir, hub_url)?;
    let sync = client_sync(&client, a.page_size, feed.sizes.len(), limit).await?;

    // --- Static pages of the same sizes over the same stack ----------------
    let biggest = feed.largest_page.clone();
    let server = StaticServer::start(dir, HashMap::new(), biggest).await?;
    let static_url = format!("https://{}", server.addr);
    // The baseline is short; the median of three passes.
    let mut passes = Vec::with_capacity(STATIC_PASSES);
    for _ in 0..STATIC_PASSES {
        passes.push(static_pages(&raw, &static_url, &feed.sizes, limit).await?);
    }
    passes.sort_unstable();
    let static_time = passes[STATIC_PASSES / 2];
    server.stop().await;

    let complete = sync.records == feed.records && feed.records as usize == a.persons;
    sync_row(
        "fldm-client sync (decode + validate):",
        sync.records,
        bytes,
        sync.time,
    );
    sync_row(
        "hub pages, body read only:           ",
        feed.records,
        bytes,
        feed.time,
    );
    println!(
        "  static bodies, same {} page sizes:  {:>8} pages,   {:>7.1} MB in {:>7.2} s:                      {:>6.1} MB/s (median of {STATIC_PASSES} passes)",
        feed.sizes.len(),
        feed.sizes.len(),
        bytes as f64 / 1e6,
        static_time.as_secs_f64(),
        mbps(bytes, static_time)
    );
    println!(
        "  ratio sync / raw transfer: {:.1}x   (hub pages read raw / raw transfer: {:.1}x)",
        ratio(sync.time, static_time),
        ratio(feed.time, static_time)
    );
    if !complete {
        println!(
            "  INCOMPLETE: {} of {} persons in the feed (time limit {} s)",
            feed.records.min(sync.records),
            a.persons,
            limit.as_secs()
        );
    }

    // --- GET latency and throughput ----------------------------------------
    let ids = sample(&feed.ids, a.ids, a.seed);
    println!(
        "\nGET /v1/persons/{{id}}: {} clients, each its own keep-alive connection; {} requests per side over {} persons; client journal off (without_journal)",
        a.concurrency,
        a.requests,
        ids.len()
    );
    // The hub's own body for every id, so that the static server sends the
    // same bytes.
    let mut bodies = HashMap::with_capacity(ids.len());
    for id in &ids {
        let b = raw_get(&raw, &format!("{hub_url}{}/persons/{id}", wire::API_PREFIX)).await?;
        bodies.insert(id.clone(), b);
    }
    let sizes: Vec<usize> = bodies.values().map(Bytes::len).collect();
    let mean_body = sizes.iter().sum::<usize>() / sizes.len().max(1);
    let min_body = sizes.iter().min().copied().unwrap_or(0);
    let max_body = sizes.iter().max().copied().unwrap_or(0);
    let server = StaticServer::start(dir, bodies, Bytes::new()).await?;
    let static_url = format!("https://{}", server.addr);
    let ids = Arc::new(ids);
    let hub_run = get_run(dir, hub_url, &ids, a, limit).await?;
    let static_run = get_run(dir, &static_url, &ids, a, limit).await?;
    server.stop().await;
    for (label, r) in [("hub", &hub_run), ("static", &static_run)] {
        println!(
            "  {label:<7} {:>7} requests in {:>6.2} s: {:>8.0} requests/s, p50 {:>7.3} ms, p99 {:>7.3} ms, errors {}",
            r.ok,
            r.wall.as_secs_f64(),
            per_s(r.ok, r.wall),
            ms(r.p50),
            ms(r.p99),
            r.errors
        );
    }
    println!(
        "  bodies {min_body} to {max_body} bytes, mean {mean_body} (the same bytes on both sides)"
    );
    println!(
        "  ratio hub / static: throughput {:.2}x lower, p50 {:.1}x, p99 {:.1}x",
        per_s(static_run.ok, static_run.wall) / per_s(hub_run.ok, hub_run.wall).max(1e-9),
        ratio(hub_run.p50, static_run.p50),
        ratio(hub_run.p99, static_run.p99)
    );
    let failed = hub_run.errors + static_run.errors > 0 || !complete;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// One line of the sync comparison: records and bytes in `time`.
fn sync_row(label: &str, records: u64, bytes: u64, time: Duration) {
    println!(
        "  {label} {records:>8} records, {:>7.1} MB in {:>7.2} s: {:>9.0} records/s, {:>6.1} MB/s",
        bytes as f64 / 1e6,
        time.as_secs_f64(),
        per_s(records, time),
        mbps(bytes, time)
    );
}

fn per_s(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

fn mbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64().max(1e-9) / 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

/// `n` ids spread over `all`, in a shuffled order (deterministic).
fn sample(all: &[String], n: usize, seed: u64) -> Vec<String> {
    let n = n.min(all.len());
    let step = all.len() / n.max(1);
    let mut out: Vec<String> = all.iter().step_by(step.max(1)).take(n).cloned().collect();
    // Fisher-Yates with splitmix64.
    let mut s = seed;
    let mut next = || {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in (1..out.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        out.swap(i, j);
    }
    out
}

// --- clients ----------------------------------------------------------------

fn hub_client(dir: &Path, base_url: &str) -> Result<HubClient, BoxError> {
    Ok(crate::cmd_hub::office_client(dir, OFFICE, base_url)
        .user(format!("{OFFICE}-bench"))
        .retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .without_journal()
        .build()?)
}

/// A plain reqwest client with the same TLS profile, identity and ALPN as
/// `HubClient`, for reading bodies without decoding them.
fn raw_client(dir: &Path) -> Result<reqwest::Client, BoxError> {
    let ca = std::fs::read(dir.join("ca.pem"))?;
    let cert = std::fs::read(dir.join(format!("{OFFICE}.pem")))?;
    let key = std::fs::read(dir.join(format!("{OFFICE}-key.pem")))?;
    let mut tls = fldm_tls::client_config(&ca, &cert, &key)?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .https_only(true)
        .timeout(Duration::from_secs(60))
        .build()?)
}

async fn raw_get(client: &reqwest::Client, url: &str) -> Result<Bytes, BoxError> {
    let resp = client
        .get(url)
        .header(headers::USER, format!("{OFFICE}-bench"))
        .header(headers::PURPOSE, PURPOSE)
        .header(headers::CASE, CASE)
        .header(header::ACCEPT, "application/json")
        .send()
        .await?;
    let status = resp.status();
    let body = resp.bytes().await?;
    if !status.is_success() {
        return Err(format!("GET {url}: HTTP {status}").into());
    }
    Ok(body)
}

// --- change feed ------------------------------------------------------------

struct RawFeed {
    sizes: Vec<u64>,
    records: u64,
    ids: Vec<String>,
    largest_page: Bytes,
    time: Duration,
}

#[derive(serde::Deserialize)]
struct PageCursor {
    next_cursor: u64,
    has_more: bool,
}

#[derive(serde::Deserialize)]
struct PageHead {
    changes: Vec<EntryHead>,
}

#[derive(serde::Deserialize)]
struct EntryHead {
    record: RecordHead,
}

#[derive(serde::Deserialize)]
struct RecordHead {
    fldm_id: String,
}

/// Read the whole feed page by page, keeping only page sizes and ids (the
/// ids are collected after the clock stops).
async fn raw_feed(
    client: &reqwest::Client,
    hub_url: &str,
    page: u32,
    persons: usize,
    limit: Duration,
) -> Result<RawFeed, BoxError> {
    let max_pages = persons.div_ceil(page as usize) + 2;
    let mut pages = Vec::with_capacity(max_pages);
    let mut cursor = 0u64;
    let start = Instant::now();
    for _ in 0..max_pages {
        let url = format!(
            "{hub_url}{}/changes?cursor={cursor}&limit={page}",
            wire::API_PREFIX
        );
        let body = raw_get(client, &url).await?;
        let head: PageCursor = serde_json::from_slice(&body)?;
        cursor = head.next_cursor;
        pages.push(body);
        if !head.has_more || start.elapsed() > limit {
            break;
        }
    }
    let time = start.elapsed();
    let mut ids = Vec::with_capacity(persons);
    let mut largest_page = Bytes::new();
    for p in &pages {
        let head: PageHead = serde_json::from_slice(p)?;
        ids.extend(head.changes.into_iter().map(|e| e.record.fldm_id));
        if p.len() > largest_page.len() {
            largest_page = p.clone();
        }
    }
    Ok(RawFeed {
        sizes: pages.iter().map(|p| p.len() as u64).collect(),
        records: ids.len() as u64,
        ids,
        largest_page,
        time,
    })
}

struct SyncRun {
    records: u64,
    time: Duration,
}

async fn client_sync(
    client: &HubClient,
    page: u32,
    pages: usize,
    limit: Duration,
) -> Result<SyncRun, BoxError> {
    let ctx = Context::new(PURPOSE).case(CASE);
    let mut cursor = 0u64;
    let mut records = 0u64;
    let start = Instant::now();
    for _ in 0..pages + 2 {
        let p = client.changes_page(cursor, page, &ctx).await?;
        records += p.changes.len() as u64;
        cursor = p.next_cursor;
        if !p.has_more || start.elapsed() > limit {
            break;
        }
    }
    Ok(SyncRun {
        records,
        time: start.elapsed(),
    })
}

async fn static_pages(
    client: &reqwest::Client,
    static_url: &str,
    sizes: &[u64],
    limit: Duration,
) -> Result<Duration, BoxError> {
    let start = Instant::now();
    for &n in sizes {
        let body = raw_get(client, &format!("{static_url}/raw/{n}")).await?;
        if body.len() as u64 != n {
            return Err(format!("static page: {} bytes, expected {n}", body.len()).into());
        }
        if start.elapsed() > limit {
            return Err("static pages: time limit reached".into());
        }
    }
    Ok(start.elapsed())
}

// --- GET runs -----------------------------------------------------------------

struct GetRun {
    ok: u64,
    errors: u64,
    wall: Duration,
    p50: Duration,
    p99: Duration,
}

const WARMUP_PER_CLIENT: usize = 20;
const STATIC_PASSES: usize = 3;

async fn get_run(
    dir: &Path,
    base_url: &str,
    ids: &Arc<Vec<String>>,
    a: &Args,
    limit: Duration,
) -> Result<GetRun, BoxError> {
    let n = a.concurrency;
    // One client (one connection pool) per task: one keep-alive connection each.
    let clients: Vec<HubClient> = (0..n)
        .map(|_| hub_client(dir, base_url))
        .collect::<Result<_, _>>()?;
    let ctx = Context::new(PURPOSE).case(CASE);
    // Warm-up: handshakes and first requests, not measured.
    for (i, c) in clients.iter().enumerate() {
        for j in 0..WARMUP_PER_CLIENT {
            c.get_person(&ids[(i * 7919 + j) % ids.len()], &ctx).await?;
        }
    }
    let per_task = a.requests.div_ceil(n);
    let mut set = JoinSet::new();
    let start = Instant::now();
    let deadline = start + limit;
    for (i, c) in clients.into_iter().enumerate() {
        let ids = Arc::clone(ids);
        let ctx = ctx.clone();
        set.spawn(async move {
            let mut lat = Vec::with_capacity(per_task);
            let mut errors = 0u64;
            let offset = i * ids.len() / n;
            for j in 0..per_task {
                if Instant::now() >= deadline {
                    break;
                }
                let id = &ids[(offset + j) % ids.len()];
                let t = Instant::now();
                match c.get_person(id, &ctx).await {
                    Ok(_) => lat.push(t.elapsed()),
                    Err(_) => errors += 1,
                }
            }
            (lat, errors)
        });
    }
    let mut lat = Vec::with_capacity(a.requests);
    let mut errors = 0;
    while let Some(r) = set.join_next().await {
        let (l, e) = r?;
        lat.extend(l);
        errors += e;
    }
    let wall = start.elapsed();
    lat.sort_unstable();
    let q = |p: f64| -> Duration {
        if lat.is_empty() {
            return Duration::ZERO;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i]
    };
    Ok(GetRun {
        ok: lat.len() as u64,
        errors,
        wall,
        p50: q(0.50),
        p99: q(0.99),
    })
}

// --- the static server ----------------------------------------------------------

struct StaticBodies {
    persons: HashMap<String, Bytes>,
    page: Bytes,
}

/// The hub's HTTP stack without the hub (`fldm_hub::server::serve_tls`: the
/// same TLS profile, client certificate check, timeouts and per-connection
/// router), answering with bytes in memory.
struct StaticServer {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl StaticServer {
    async fn start(
        dir: &Path,
        persons: HashMap<String, Bytes>,
        page: Bytes,
    ) -> Result<StaticServer, BoxError> {
        let tls = fldm_tls::server_config_from_files(
            dir.join("hub.pem"),
            dir.join("hub-key.pem"),
            dir.join("ca.pem"),
        )?;
        let acceptor = TlsAcceptor::from(Arc::new(tls));
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let router = Router::new()
            .route("/v1/persons/{id}", get(static_person))
            .route("/raw/{len}", get(static_page))
            .with_state(Arc::new(StaticBodies { persons, page }));
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(fldm_hub::server::serve_tls(
            listener, acceptor, router, stop_rx,
        ));
        Ok(StaticServer { addr, stop, task })
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn static_person(
    State(s): State<Arc<StaticBodies>>,
    UrlPath(id): UrlPath<String>,
) -> Response {
    match s.persons.get(&id) {
        Some(b) => ([(header::CONTENT_TYPE, "application/json")], b.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn static_page(State(s): State<Arc<StaticBodies>>, UrlPath(len): UrlPath<usize>) -> Response {
    match s.page.get(..len) {
        Some(_) => (
            [(header::CONTENT_TYPE, "application/json")],
            s.page.slice(..len),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
