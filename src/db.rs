//! The database: connect with an explicitly sized pool, tune SQLite, run migrations.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
    ConnectOptions, Database, DatabaseConnection, DbErr,
};

use crate::config::Settings;

/// How long a SQLite statement waits for a lock held by another connection before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the pool described by `settings`.
///
/// SeaORM caps a SQLite pool at one connection unless told otherwise, which serialises every
/// request; the pool is sized from `DATABASE_MAX_CONNECTIONS` instead. SQLite runs in WAL mode
/// (readers never block the writer), with foreign keys enforced and `synchronous=NORMAL`, which
/// is durable across application crashes in WAL mode.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(settings.database_url.clone());
    options
        .max_connections(settings.database_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // One line per statement at `RUST_LOG=sqlx::query=debug`.
        .sqlx_logging(true)
        .sqlx_logging_level(log::LevelFilter::Debug)
        .sqlx_slow_statements_logging_settings(log::LevelFilter::Warn, Duration::from_millis(500));
    if settings.is_sqlite() {
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
        });
    }
    Database::connect(options).await
}

/// Applies every pending migration; a no-op on an up-to-date database.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
