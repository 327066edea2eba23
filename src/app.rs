//! The application: database ready (connected, migrated, seeded), schema built, listener bound.

use std::net::TcpListener;

use actix_web::dev::Server;
use anyhow::Context;
use sea_orm::DatabaseConnection;

use crate::{config::Settings, db, http, schema, seed};

pub struct Application {
    port: u16,
    server: Server,
    db: DatabaseConnection,
    statements: db::StatementCounter,
    shutdown: Shutdown,
}

impl Application {
    /// Prepares everything and binds the port; the server starts answering on
    /// [`run_until_stopped`](Self::run_until_stopped).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let shutdown = Shutdown::listen()?;
        let mut db = prepare_database(settings).await?;
        let statements = db::StatementCounter::install(&mut db);
        let listener = TcpListener::bind((settings.host, settings.port))
            .with_context(|| format!("cannot listen on {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let schema = schema::build(db.clone(), settings);
        let server = http::server(listener, schema, db.clone(), statements.clone(), settings)?;
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

/// Connects, migrates, and seeds an empty database.
pub async fn prepare_database(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let db = db::connect(settings).await.with_context(|| {
        format!(
            "cannot open the database at {}",
            crate::config::redact_url(&settings.database_url)
        )
    })?;
    let lock = db::StartupLock::acquire(settings)
        .await
        .context("taking the start-up lock")?;
    db::migrate(&db).await.context("migrating the database")?;
    match seed::seed_if_empty(&db)
        .await
        .context("loading the seed data")?
    {
        Some(report) => tracing::info!("Seeded an empty database: {report}"),
        None => tracing::info!("The database already holds data; nothing seeded"),
    }
    lock.release()
        .await
        .context("releasing the start-up lock")?;
    Ok(db)
}

fn display_address(settings: &Settings, port: u16) -> String {
    match settings.host {
        std::net::IpAddr::V6(ip) => format!("[{ip}]:{port}"),
        ip => format!("{ip}:{port}"),
    }
}
