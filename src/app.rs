//! The application: database ready (connected, migrated, seeded), schema built, listener bound.

use std::net::TcpListener;

use actix_web::dev::Server;
use anyhow::Context;
use sea_orm::DatabaseConnection;

use secrecy::ExposeSecret;

use crate::{
    config::{PlannedReads, Settings},
    db, http, observe, schema, seed,
};

pub struct Application {
    port: u16,
    server: Server,
    /// The `/metrics` listener of its own (`METRICS_ADDR`).
    metrics_server: Option<Server>,
    db: DatabaseConnection,
    statements: db::StatementCounter,
    shutdown: Shutdown,
}

impl Application {
    /// Prepares everything and binds the port; the server starts answering on
    /// [`run_until_stopped`](Self::run_until_stopped).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let shutdown = Shutdown::listen()?;
        fit_open_file_limit(settings.limits.max_connections);
        // The port first: a port in use stops the start before the database is touched.
        let listener = TcpListener::bind((settings.host, settings.port)).with_context(|| {
            format!(
                "cannot listen on {}:{} (set PORT, or HOST, to choose another)",
                settings.host, settings.port
            )
        })?;
        let mut db = prepare_database(settings).await?;
        // The change feed's own statements (polling, catching up, reading the generation) are
        // bookkeeping: its handle on the pool is taken before the counter is installed.
        let feed_db = db.clone();
        let metrics = observe::Metrics::new().context("defining the metrics")?;
        let observer = db::StatementObserver::new(
            metrics.sql().clone(),
            settings.traces.is_some(),
            db.get_database_backend(),
        );
        let statements = db::StatementCounter::install(&mut db, observer.clone());
        let port = listener.local_addr()?.port();
        let services = schema::Services::start(&feed_db, settings)
            .await
            .context("reading the write generation")?;
        metrics
            .watch(&db, std::sync::Arc::new(services.caches.clone()))
            .context("defining the metrics")?;
        let planned_reads = (settings.planned_reads == PlannedReads::Sync)
            .then(|| {
                db::sync_reads::SyncReader::for_url(
                    settings.database_url.expose_secret(),
                    settings.planned_readers as usize,
                    settings.limits.request_timeout,
                    observer,
                )
            })
            .flatten();
        let schema = schema::build(db.clone(), planned_reads, settings, &services);
        let metrics_server = match settings.metrics.address {
            Some(address) => {
                let listener = TcpListener::bind(address)
                    .with_context(|| format!("cannot listen on METRICS_ADDR {address}"))?;
                tracing::info!("Metrics are served at http://{address}/metrics");
                Some(http::metrics_server(listener, metrics.clone(), settings)?)
            }
            None if !settings.metrics.served => {
                tracing::info!("/metrics is not served: set METRICS_ADDR or METRICS_TOKEN");
                None
            }
            None => None,
        };
        let server = http::server(
            listener,
            schema,
            http::Shared {
                db: db.clone(),
                metrics,
                services,
            },
            settings,
        )?;
        tracing::info!(
            "Citynet is serving GraphQL at http://{}/graphql (open it in a browser for the playground)",
            display_address(settings, port)
        );
        if settings.api_tokens.is_empty() {
            tracing::info!("Writes are disabled: set API_TOKENS to accept mutations");
        } else {
            tracing::info!("Writes are enabled for bearer tokens listed in API_TOKENS");
        }
        Ok(Self {
            port,
            server,
            metrics_server,
            db,
            statements,
            shutdown,
        })
    }

    /// The port actually bound (useful with `PORT=0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Counts the SQL statements the server runs for requests.
    pub fn statement_counter(&self) -> db::StatementCounter {
        self.statements.clone()
    }

    /// Serves until SIGINT/SIGTERM, then stops accepting connections, lets in-flight requests
    /// finish (up to 10 s), and closes the pool.
    pub async fn run_until_stopped(mut self) -> anyhow::Result<()> {
        let metrics = self.metrics_server.take().map(|server| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let handle = self.server.handle();
        let server = self.server;
        tokio::pin!(server);
        tokio::select! {
            result = &mut server => result?,
            signal = self.shutdown.received() => {
                tracing::info!("{signal} received: finishing in-flight requests");
                // The stop completes only while the server future is polled: drive both.
                let ((), result) = tokio::join!(handle.stop(true), &mut server);
                result?;
            }
        }
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        self.db.close().await?;
        tracing::info!("Citynet stopped");
        Ok(())
    }
}

/// SIGINT and SIGTERM listeners, registered as soon as the application is built so that a
/// signal arriving at any moment after start-up leads to a graceful stop.
struct Shutdown {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Shutdown {
    #[cfg(unix)]
    fn listen() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(not(unix))]
    fn listen() -> std::io::Result<Self> {
        Ok(Self {})
    }

    #[cfg(unix)]
    async fn received(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }

    #[cfg(not(unix))]
    async fn received(&mut self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// The maintenance pool (no statement time limit; see [`db::connect_for_maintenance`]); a
/// failure names `DATABASE_URL` (without its password).
pub async fn open_for_maintenance(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    db::connect_for_maintenance(settings)
        .await
        .with_context(|| cannot_open(settings))
}

fn cannot_open(settings: &Settings) -> String {
    format!(
        "cannot open the database at {} (DATABASE_URL)",
        crate::config::redact_url(secrecy::ExposeSecret::expose_secret(&settings.database_url))
    )
}

/// Migrates and seeds an empty database (on a pool of its own, without the statement time
/// limit: a migration may take long), then opens the pool that serves requests.
pub async fn prepare_database(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let maintenance = open_for_maintenance(settings).await?;
    let lock = db::StartupLock::acquire(settings)
        .await
        .context("taking the start-up lock")?;
    db::migrate(&maintenance)
        .await
        .context("migrating the database")?;
    match seed::seed_if_empty(&maintenance)
        .await
        .context("loading the seed data")?
    {
        Some(summary) => tracing::info!("Seeded an empty database: {}", summary.created()),
        None => tracing::info!("The database already holds data; nothing seeded"),
    }
    lock.release()
        .await
        .context("releasing the start-up lock")?;
    maintenance.close().await?;
    db::connect(settings)
        .await
        .with_context(|| cannot_open(settings))
}

/// Raises the soft limit on open files towards the hard limit so that `MAX_CONNECTIONS` fits,
/// and warns when it cannot: connections beyond the limit would fail with "too many open
/// files" instead of waiting for their turn.
#[cfg(unix)]
#[allow(unsafe_code)]
fn fit_open_file_limit(max_connections: usize) {
    /// Descriptors the process needs beside its client connections (database, listener, logs).
    const SPARE_DESCRIPTORS: libc::rlim_t = 128;
    let needed = (max_connections as libc::rlim_t).saturating_add(SPARE_DESCRIPTORS);
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return;
        }
        if limit.rlim_cur < needed {
            let raised = libc::rlimit {
                rlim_cur: needed.min(limit.rlim_max),
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    if limit.rlim_cur < needed {
        tracing::warn!(
            "the open-file limit ({}) is below MAX_CONNECTIONS ({max_connections}) plus {SPARE_DESCRIPTORS} spare descriptors; lower MAX_CONNECTIONS or raise `ulimit -n`",
            limit.rlim_cur
        );
    }
}

#[cfg(not(unix))]
fn fit_open_file_limit(_max_connections: usize) {}

fn display_address(settings: &Settings, port: u16) -> String {
    match settings.host {
        std::net::IpAddr::V6(ip) => format!("[{ip}]:{port}"),
        ip => format!("{ip}:{port}"),
    }
}
