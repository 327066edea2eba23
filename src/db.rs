//! The database: connect with an explicitly sized pool, tune SQLite, bound every statement's
//! time ([`deadline`]), run migrations.

mod deadline;
pub mod sync_reads;

pub use deadline::stopped_at_the_deadline;

use secrecy::ExposeSecret;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

use crate::{
    config::Settings,
    observe::{operation, trace, SqlMetrics},
};

/// How long a SQLite statement waits for a lock held by another connection before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the pool that serves requests, described by `settings`: every statement is stopped by
/// the database after `REQUEST_TIMEOUT_MS` (see [`deadline`]).
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    connect_with(settings, Some(settings.limits.request_timeout)).await
}

/// Opens a pool for start-up and maintenance (migrations, seeding, generating), whose
/// statements may take as long as they need.
pub async fn connect_for_maintenance(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    connect_with(settings, None).await
}

/// SeaORM caps a SQLite pool at one connection unless told otherwise, which serialises every
/// request; the pool is sized from `DATABASE_MAX_CONNECTIONS` instead. SQLite runs in WAL mode
/// (readers never block the writer), with foreign keys enforced and `synchronous=NORMAL`, which
/// is durable across application crashes in WAL mode.
async fn connect_with(
    settings: &Settings,
    statement_limit: Option<Duration>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(settings.database_url.expose_secret().to_owned());
    options
        .max_connections(settings.database_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // A connection used within the last minute is handed out as it is: pinging it on every
        // checkout was a round trip to the database (to SQLite's worker thread) per statement.
        .test_before_acquire_if_idle_for(Duration::from_secs(60))
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
        if let Some(limit) = statement_limit {
            options.map_sqlx_sqlite_pool_opts(move |pool| {
                pool.after_connect(move |connection, _| {
                    Box::pin(deadline::install_on_sqlite(connection, limit))
                })
            });
        }
    } else if let Some(limit) = statement_limit {
        let milliseconds = limit.as_millis().to_string();
        options.map_sqlx_postgres_opts(move |opts| {
            opts.options([("statement_timeout", milliseconds.as_str())])
        });
    }
    Database::connect(options).await
}

/// What happens for every SQL statement run for a request, whichever driver ran it: it is
/// counted and timed in the instance's metrics (`citynet_sql_statements_total`,
/// `citynet_sql_statement_duration_seconds`), counted for the GraphQL operation that caused it
/// (call it in the operation's task), and, with traces on, exported as a span.
#[derive(Clone)]
pub struct StatementObserver {
    metrics: SqlMetrics,
    traces: bool,
    system: &'static str,
}

impl StatementObserver {
    pub fn new(metrics: SqlMetrics, traces: bool, backend: DbBackend) -> Self {
        let system = match backend {
            DbBackend::Postgres => "postgresql",
            _ => "sqlite",
        };
        Self {
            metrics,
            traces,
            system,
        }
    }

    /// Observes one statement, `sql`, that ran for `elapsed`.
    pub fn ran(&self, sql: &str, elapsed: Duration, failed: bool) {
        self.metrics.observe(elapsed);
        operation::statement_ran();
        if self.traces {
            trace::statement(sql, elapsed, failed, self.system);
        }
    }
}

/// Counts the SQL statements executed for requests (the pool's, through its metric callback,
/// and the synchronous reader's). The tests read the count to prove that a nested query costs
/// a fixed number of statements.
#[derive(Clone)]
pub struct StatementCounter(SqlMetrics);

impl StatementCounter {
    /// Installs `observer` on `db`, replacing any earlier metric callback.
    pub fn install(db: &mut DatabaseConnection, observer: StatementObserver) -> Self {
        let counter = Self(observer.metrics.clone());
        db.set_metric_callback(move |info| {
            observer.ran(&info.statement.sql, info.elapsed, info.failed);
        });
        counter
    }

    /// Statements executed so far.
    pub fn get(&self) -> u64 {
        self.0.statements()
    }
}

/// Applies every pending migration; a no-op on an up-to-date database.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Serialises start-up (migrations and seeding) across instances that share one PostgreSQL
/// database, so that several starting at once do not race: each waits on a session-level
/// advisory lock held on a connection of its own. SQLite is one process's database, so there it
/// is a no-op.
pub struct StartupLock {
    connection: Option<DatabaseConnection>,
}

/// An arbitrary constant that names Citynet's start-up lock among advisory locks.
const STARTUP_LOCK_KEY: i64 = 0x0C17_14E7;

impl StartupLock {
    pub async fn acquire(settings: &Settings) -> Result<Self, DbErr> {
        if settings.is_sqlite() {
            return Ok(Self { connection: None });
        }
        let mut options = ConnectOptions::new(settings.database_url.expose_secret().to_owned());
        options.max_connections(1).sqlx_logging(false);
        let connection = Database::connect(options).await?;
        connection
            .execute_raw(lock_statement("pg_advisory_lock"))
            .await?;
        Ok(Self {
            connection: Some(connection),
        })
    }

    pub async fn release(self) -> Result<(), DbErr> {
        if let Some(connection) = self.connection {
            connection
                .execute_raw(lock_statement("pg_advisory_unlock"))
                .await?;
            connection.close().await?;
        }
        Ok(())
    }
}

fn lock_statement(function: &str) -> Statement {
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {function}($1)"),
        [STARTUP_LOCK_KEY.into()],
    )
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

    use crate::config::Settings;

    /// A statement that would never end on its own.
    const ENDLESS: &str = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) \
                           SELECT count(*) FROM n WHERE x < 0";

    /// Settings for one connection to an in-memory SQLite database, with a time limit.
    fn one_in_memory_connection(request_timeout_ms: u64) -> Settings {
        let limit = request_timeout_ms.to_string();
        Settings::from_lookup(|name| match name {
            "DATABASE_URL" => Some("sqlite::memory:".into()),
            "DATABASE_MAX_CONNECTIONS" => Some("1".into()),
            "REQUEST_TIMEOUT_MS" => Some(limit.clone()),
            _ => None,
        })
        .unwrap()
    }

    /// The serving pool stops a statement after `REQUEST_TIMEOUT_MS`, which clients are told
    /// as `REQUEST_TIMEOUT`, and the connection keeps working; the maintenance pool lets
    /// statements run.
    #[tokio::test]
    async fn the_database_stops_a_statement_at_the_time_limit() {
        let settings = one_in_memory_connection(200);
        let db = super::connect(&settings).await.unwrap();
        let started = std::time::Instant::now();
        let error = db
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, ENDLESS))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("interrupt"), "{error}");
        assert!(super::stopped_at_the_deadline(&error), "{error}");
        assert_eq!(
            crate::error::AppError::from(error).code(),
            crate::error::ErrorCode::RequestTimeout
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let row = db
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, "SELECT 41 + 1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get_by_index::<i32>(0).unwrap(), 42);

        let maintenance = super::connect_for_maintenance(&settings).await.unwrap();
        let long = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < \
                    10000000) SELECT count(*) FROM n";
        let started = std::time::Instant::now();
        let row = maintenance
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, long))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 10_000_000);
        assert!(
            started.elapsed() > std::time::Duration::from_millis(200),
            "ran past the serving pool's limit"
        );
    }

    /// A statement is timed from its own start, even when SQLite hands it the address of an
    /// earlier statement that has been finalized: each run here is prepared afresh
    /// (`persistent(false)`) and is shorter than the limit, but they are together much longer.
    #[tokio::test]
    async fn each_statement_is_timed_from_its_own_start() {
        let settings = one_in_memory_connection(100);
        let db = super::connect(&settings).await.unwrap();
        let pool = db.get_sqlite_connection_pool();
        for round in 0..6 {
            let sql = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < \
                       20000) SELECT count(*) FROM n";
            let started = std::time::Instant::now();
            let answer = sea_orm::sqlx::query_scalar::<_, i64>(sql)
                .persistent(false)
                .fetch_one(pool)
                .await;
            let took = started.elapsed();
            assert!(
                took < std::time::Duration::from_millis(100),
                "round {round} took {took:?}: too slow a machine for this test"
            );
            match answer {
                Ok(count) => assert_eq!(count, 20_000),
                Err(error) => panic!("round {round}, after {took:?}: {error}"),
            }
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        }
    }

    /// PostgreSQL's `statement_timeout` is the same deadline, told to clients the same way. Runs
    /// where the tests have a PostgreSQL server (`scripts/with-postgres`, as CI does).
    #[tokio::test]
    async fn postgres_stops_a_statement_at_the_time_limit() {
        let Ok(url) = std::env::var("CITYNET_TEST_DATABASE_URL") else {
            return;
        };
        let settings = Settings::from_lookup(|name| match name {
            "DATABASE_URL" => Some(url.clone()),
            "DATABASE_MAX_CONNECTIONS" => Some("1".into()),
            "REQUEST_TIMEOUT_MS" => Some("200".into()),
            _ => None,
        })
        .unwrap();
        let db = super::connect(&settings).await.unwrap();
        let error = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_sleep(30)",
            ))
            .await
            .unwrap_err();
        assert!(super::stopped_at_the_deadline(&error), "{error}");
        let row = db
            .query_one_raw(Statement::from_string(DbBackend::Postgres, "SELECT 41 + 1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get_by_index::<i32>(0).unwrap(), 42);
    }

    /// `.cargo/config.toml` compiles the bundled SQLite with the query-planner stability
    /// guarantee; without it every `LIMIT ?` page statement is compiled again on each execution
    /// (BENCHMARKS.md, run 3). This fails if the flag is lost.
    #[tokio::test]
    async fn bundled_sqlite_has_the_planner_stability_guarantee() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA compile_options",
            ))
            .await
            .unwrap();
        let options: Vec<String> = rows
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect();
        for wanted in ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0"] {
            assert!(
                options.iter().any(|o| o == wanted),
                "{wanted} missing from {options:?}"
            );
        }
    }
}
