//! The planned path's SQLite reads on synchronous, read-only connections (`PLANNED_READS=sync`).
//!
//! sqlx's SQLite driver runs each connection on a thread of its own and sends every statement
//! there, and every row back, over channels; a statement costs several thread hand-offs. A page
//! read that way was no faster than 18.9 % of the reference, with no GraphQL at all, against
//! 35.7 % for the same statement on a synchronous connection on tokio's blocking pool
//! (BENCHMARKS.md, run 16). Here a statement and the decoding of its rows run in one go on a
//! connection of a small pool of our own: on the request's thread when they fit a budget of a
//! millisecond, else on tokio's blocking pool ([`SyncReader::rows`]; run 17).
//!
//! What holds for every statement of the sqlx pool holds here too:
//! - **Bounded:** at most `PLANNED_READERS` statements run at once; others wait for a reader.
//! - **Deadline and cancellation:** a progress handler stops a statement after
//!   `REQUEST_TIMEOUT_MS`, or as soon as the task that waits for it is dropped (a request
//!   loading by itself; a `DataLoader` batch runs to its end for whoever else waits on it)
//!   ([`AppError::TimedOut`] for the deadline). A wait for a lock ends at the deadline too.
//! - **Observed:** each statement is counted, timed and traced by the same
//!   [`StatementObserver`] as the pool's, in the task of the operation that ran it.
//! - **Fresh:** the connections are read-only (`SQLITE_OPEN_READ_ONLY`, `query_only`), hold
//!   no transaction between statements, and so see every write committed before a statement
//!   starts.
//!
//! Writes, migrations, the resolvers and PostgreSQL stay on sqlx.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, PoisonError,
    },
    time::{Duration, Instant},
};

use rusqlite::{types::Value as SqliteValue, Connection, ErrorCode, OpenFlags};
use sea_orm::{
    sea_query::{SelectStatement, SqliteQueryBuilder, Value},
    sqlx::sqlite::SqliteConnectOptions,
    DbErr,
};
use tokio::sync::Semaphore;

use super::StatementObserver;
use crate::{error::AppError, loaders::cells::ReadRow};

/// How many SQLite virtual-machine instructions run between two checks of the deadline and of
/// the cancel flag: about a tenth of a millisecond of work, so that a statement on the
/// request's thread keeps to its budget.
const CHECK_EVERY_OPS: i32 = 2_000;

/// How long a statement on the blocking pool waits for a lock held by another connection (a
/// checkpoint); on the request's thread it does not wait.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection: a nested page's text depends on its list, window
/// and number of parents, so a busy server prepares many distinct statements; the least
/// recently used is prepared again when needed.
const STATEMENT_CACHE: usize = 128;

/// A pool of synchronous read-only connections to one SQLite file. Cloning shares it.
#[derive(Clone)]
pub struct SyncReader(Arc<Shared>);

struct Shared {
    path: PathBuf,
    /// Connections not in use.
    idle: Mutex<Vec<Reader>>,
    /// One permit per statement that may run at once.
    permits: Arc<Semaphore>,
    /// The statement deadline (`REQUEST_TIMEOUT_MS`).
    limit: Duration,
    observer: StatementObserver,
}

/// One connection and what its progress handler watches.
struct Reader {
    connection: Connection,
    watch: Arc<Watch>,
}

/// The statement a connection is running: when it must stop, and whether its request is gone.
#[derive(Default)]
struct Watch(Mutex<Option<Running>>);

struct Running {
    deadline: Instant,
    cancelled: Arc<AtomicBool>,
}

impl Watch {
    /// The progress handler's question: stop the statement now? A statement outside a run of
    /// [`SyncReader::rows`] does not exist, so none is stopped then.
    fn should_stop(&self) -> bool {
        let running = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        running.as_ref().is_some_and(|running| {
            running.cancelled.load(Ordering::Relaxed) || Instant::now() >= running.deadline
        })
    }

    fn set(&self, running: Option<Running>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = running;
    }
}

/// Sets the cancel flag of a statement when the request that waits for it is dropped (and,
/// harmlessly, after it finished).
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Why a statement gave no rows.
enum Failure {
    Sqlite(rusqlite::Error),
    Decode(DbErr),
}

impl From<rusqlite::Error> for Failure {
    fn from(err: rusqlite::Error) -> Self {
        Self::Sqlite(err)
    }
}

impl SyncReader {
    /// A reader of the SQLite file `database_url` names, or `None` where there is none to read
    /// beside the pool: PostgreSQL, or an in-memory database (each connection would have its
    /// own, empty one).
    pub fn for_url(
        database_url: &str,
        readers: usize,
        limit: Duration,
        observer: StatementObserver,
    ) -> Option<Self> {
        if !database_url.starts_with("sqlite:") {
            return None;
        }
        let options = SqliteConnectOptions::from_str(database_url).ok()?;
        let path = options.get_filename();
        if is_in_memory(database_url, path) || locks_differently(database_url) {
            return None;
        }
        Some(Self(Arc::new(Shared {
            path: path.to_owned(),
            idle: Mutex::new(Vec::with_capacity(readers)),
            permits: Arc::new(Semaphore::new(readers.max(1))),
            limit,
            observer,
        })))
    }

    /// The rows of `statement`, each read by `read`.
    ///
    /// A statement first runs right here, on the request's thread, on an idle reader, for at
    /// most [`INLINE_BUDGET`]: a page is read in tens of microseconds, and a hand-off to
    /// another thread and back costs about as much again (BENCHMARKS.md, run 16: 48 % of the
    /// reference inline against 36 % on the blocking pool). A statement that needs longer,
    /// or that meets a lock, is stopped and runs again from the start on tokio's blocking pool,
    /// where it may take until the deadline without holding up the requests that share this
    /// thread. The work given up is bounded by the budget. The budget is checked between
    /// SQLite's instructions, so one long instruction (a `COUNT(*)` of a whole table, a page
    /// read from disk, preparing a statement the cache has not seen) can overrun it.
    pub async fn rows<R: ReadRow>(
        &self,
        statement: &SelectStatement,
        read: R,
    ) -> Result<Vec<R::Output>, AppError> {
        let (sql, values) = statement.build(SqliteQueryBuilder);
        let parameters = values
            .into_iter()
            .map(to_sqlite)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| AppError::Database(Arc::new(err)))?;
        let permit = Arc::clone(&self.0.permits)
            .acquire_owned()
            .await
            .map_err(|err| AppError::Database(Arc::new(DbErr::Custom(err.to_string()))))?;
        let started = Instant::now();
        let deadline = started + self.0.limit;
        let inline = self.0.take_idle().and_then(|reader| {
            let budget = Running {
                deadline: deadline.min(started + INLINE_BUDGET),
                cancelled: Arc::new(AtomicBool::new(false)),
            };
            match self.0.run_inline(reader, &sql, &parameters, &read, budget) {
                Err(Failure::Sqlite(err)) if gave_way(&err) && Instant::now() < deadline => None,
                finished => Some(finished),
            }
        });
        let (sql, result) = match inline {
            Some(result) => (sql, result),
            None => {
                // Set when the request stops waiting (it was dropped): the statement stops too.
                let cancelled = Arc::new(AtomicBool::new(false));
                let _cancel_on_drop = CancelOnDrop(Arc::clone(&cancelled));
                let shared = Arc::clone(&self.0);
                let running = Running {
                    deadline,
                    cancelled,
                };
                tokio::task::spawn_blocking(move || {
                    let result = shared.run_waiting(&sql, &parameters, &read, running);
                    drop(permit);
                    (sql, result)
                })
                .await
                .map_err(|err| AppError::Database(Arc::new(DbErr::Custom(err.to_string()))))?
            }
        };
        self.0
            .observer
            .ran(&sql, started.elapsed(), result.is_err());
        result.map_err(|failure| match failure {
            Failure::Sqlite(err) if interrupted(&err) => AppError::TimedOut,
            // A lock still held at the deadline: the operation has outlived its time limit.
            Failure::Sqlite(err) if gave_way(&err) && Instant::now() >= deadline => {
                AppError::TimedOut
            }
            Failure::Sqlite(err) => AppError::Database(Arc::new(DbErr::Custom(err.to_string()))),
            Failure::Decode(err) => AppError::Database(Arc::new(err)),
        })
    }
}

/// How long a statement may run on the request's own thread before it moves to the blocking
/// pool ([`SyncReader::rows`]).
const INLINE_BUDGET: Duration = Duration::from_millis(1);

impl Shared {
    /// An idle reader, if there is one.
    fn take_idle(&self) -> Option<Reader> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    /// Runs one statement on an idle reader (or a new one), waiting for locks as the pool's
    /// connections do. For the blocking pool.
    fn run_waiting<R: ReadRow>(
        &self,
        sql: &str,
        parameters: &[SqliteValue],
        read: &R,
        running: Running,
    ) -> Result<Vec<R::Output>, Failure> {
        let reader = match self.take_idle() {
            Some(reader) => reader,
            None => open(&self.path)?,
        };
        // SQLite's busy handler sleeps without asking the progress handler: the wait for a
        // lock ends at the deadline at the latest.
        let left = running.deadline.saturating_duration_since(Instant::now());
        reader.connection.busy_timeout(BUSY_TIMEOUT.min(left))?;
        let result = run(&reader, sql, parameters, read, running);
        // Back to not waiting, as on the request's thread; a reader that cannot is dropped.
        if reader.connection.busy_timeout(Duration::ZERO).is_ok() {
            self.give_back(reader);
        }
        result
    }

    /// Runs one statement on `reader` on the request's thread, then gives the reader back.
    fn run_inline<R: ReadRow>(
        &self,
        reader: Reader,
        sql: &str,
        parameters: &[SqliteValue],
        read: &R,
        running: Running,
    ) -> Result<Vec<R::Output>, Failure> {
        let result = run(&reader, sql, parameters, read, running);
        self.give_back(reader);
        result
    }

    /// Puts `reader` back on the idle list if it is at rest: none keeps a transaction (an old
    /// snapshot) or a statement open.
    fn give_back(&self, reader: Reader) {
        if reader.connection.is_autocommit() && !reader.connection.is_busy() {
            self.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(reader);
        }
    }
}

/// Runs one statement on `reader` until `running` says to stop.
fn run<R: ReadRow>(
    reader: &Reader,
    sql: &str,
    parameters: &[SqliteValue],
    read: &R,
    running: Running,
) -> Result<Vec<R::Output>, Failure> {
    reader.watch.set(Some(running));
    let result = select(&reader.connection, sql, parameters, read);
    reader.watch.set(None);
    result
}

/// Opens a read-only connection with its progress handler.
fn open(path: &Path) -> Result<Reader, rusqlite::Error> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(Duration::ZERO)?;
    connection.pragma_update(None, "query_only", true)?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let watch = Arc::new(Watch::default());
    let watched = Arc::clone(&watch);
    // rusqlite's handler interrupts the statement when it returns `true`.
    connection.progress_handler(CHECK_EVERY_OPS, Some(move || watched.should_stop()))?;
    Ok(Reader { connection, watch })
}

/// Prepares (or takes from the cache) `sql`, binds `parameters` and reads every row.
fn select<R: ReadRow>(
    connection: &Connection,
    sql: &str,
    parameters: &[SqliteValue],
    read: &R,
) -> Result<Vec<R::Output>, Failure> {
    let mut statement = connection.prepare_cached(sql)?;
    for (at, value) in parameters.iter().enumerate() {
        statement.raw_bind_parameter(at + 1, value)?;
    }
    let mut rows = statement.raw_query();
    let mut read_rows = Vec::new();
    while let Some(row) = rows.next()? {
        read_rows.push(read.read(row).map_err(Failure::Decode)?);
    }
    Ok(read_rows)
}

/// Whether a statement on the request's thread stopped to run again on the blocking pool: at
/// its budget, or at a lock.
fn gave_way(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::OperationInterrupted | ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Whether SQLite stopped the statement (its progress handler returned `true`).
fn interrupted(err: &rusqlite::Error) -> bool {
    err.sqlite_error_code() == Some(ErrorCode::OperationInterrupted)
}

/// A URL that makes the pool open the file another way (another VFS, or as immutable) than the
/// readers would: their locks would not see each other, so the planned path stays on the pool.
fn locks_differently(url: &str) -> bool {
    url.contains("vfs=") || url.contains("immutable=")
}

/// `sqlite::memory:`, `sqlite://:memory:` or `mode=memory`: a database per connection.
fn is_in_memory(url: &str, path: &Path) -> bool {
    url.contains(":memory:") || url.contains("mode=memory") || path.as_os_str() == ":memory:"
}

/// A statement value as SQLite binds it, as sqlx binds it (booleans as 0 and 1).
fn to_sqlite(value: Value) -> Result<SqliteValue, DbErr> {
    let converted = match value {
        Value::Bool(v) => v.map(|b| SqliteValue::Integer(i64::from(b))),
        Value::TinyInt(v) => v.map(|n| SqliteValue::Integer(n.into())),
        Value::SmallInt(v) => v.map(|n| SqliteValue::Integer(n.into())),
        Value::Int(v) => v.map(|n| SqliteValue::Integer(n.into())),
        Value::BigInt(v) => v.map(SqliteValue::Integer),
        Value::TinyUnsigned(v) => v.map(|n| SqliteValue::Integer(n.into())),
        Value::SmallUnsigned(v) => v.map(|n| SqliteValue::Integer(n.into())),
        Value::Unsigned(v) => v.map(|n| SqliteValue::Integer(n.into())),
        Value::BigUnsigned(v) => match v {
            Some(n) => Some(SqliteValue::Integer(i64::try_from(n).map_err(|_| {
                DbErr::Type(format!("{n} does not fit a SQLite integer"))
            })?)),
            None => None,
        },
        Value::Float(v) => v.map(|x| SqliteValue::Real(x.into())),
        Value::Double(v) => v.map(SqliteValue::Real),
        Value::String(v) => v.map(SqliteValue::Text),
        Value::Char(v) => v.map(|c| SqliteValue::Text(c.to_string())),
        Value::Bytes(v) => v.map(SqliteValue::Blob),
        other => {
            return Err(DbErr::Type(format!(
                "the synchronous reader cannot bind {other:?}"
            )))
        }
    };
    Ok(converted.unwrap_or(SqliteValue::Null))
}

#[cfg(test)]
mod tests {
    use std::{marker::PhantomData, time::Duration};

    use entity::{event, membership, network, place};
    use sea_orm::{
        sea_query::{Expr, Query, SelectStatement},
        ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, Iterable,
    };

    use super::SyncReader;
    use crate::{
        config::Settings,
        db::StatementObserver,
        error::AppError,
        loaders::{
            self,
            cells::{Cells, ReadRow},
            filter::{EventTerm, MembershipTerm, NetworkTerm, PlaceTerm, Term},
            page::{self, Columns, ListSpec, Partial, RootPageKey, Window},
        },
    };

    /// A statement that would never end on its own.
    const ENDLESS: &str = "(WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) \
                           SELECT count(*) FROM n WHERE x < 0)";

    /// The first column of each row, as an integer.
    struct First;

    impl ReadRow for First {
        type Output = i64;
        fn read<R: Cells>(&self, row: &R) -> Result<i64, DbErr> {
            row.cell(0)
        }
    }

    fn select(expression: &'static str) -> SelectStatement {
        Query::select().expr(Expr::cust(expression)).to_owned()
    }

    /// A seeded SQLite file, its serving pool, and a reader of `readers` connections whose
    /// statements stop after `limit`.
    async fn seeded(
        readers: usize,
        limit: Duration,
    ) -> (tempfile::TempDir, DatabaseConnection, SyncReader) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display());
        let settings = Settings::from_lookup(|name| match name {
            "DATABASE_URL" => Some(url.clone()),
            _ => None,
        })
        .unwrap();
        let db = crate::app::prepare_database(&settings).await.unwrap();
        let metrics = crate::observe::Metrics::new().unwrap();
        let observer = StatementObserver::new(metrics.sql().clone(), false, DbBackend::Sqlite);
        let reader = SyncReader::for_url(&url, readers, limit, observer).unwrap();
        (dir, db, reader)
    }

    #[test]
    fn only_a_sqlite_file_has_a_reader() {
        let observer = || {
            let metrics = crate::observe::Metrics::new().unwrap();
            StatementObserver::new(metrics.sql().clone(), false, DbBackend::Sqlite)
        };
        let limit = Duration::from_secs(1);
        for url in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://c.db?mode=memory",
            "sqlite://c.db?vfs=unix-dotfile",
            "sqlite://c.db?immutable=true",
            "postgres://u@localhost/c",
        ] {
            assert!(
                SyncReader::for_url(url, 1, limit, observer()).is_none(),
                "{url}"
            );
        }
        for url in ["sqlite://citynet.db?mode=rwc", "sqlite:/tmp/c.db"] {
            assert!(
                SyncReader::for_url(url, 1, limit, observer()).is_some(),
                "{url}"
            );
        }
    }

    /// Every column of every listed entity decodes to the same model on both drivers (the
    /// seed has NULLs, enums, alternate names and coordinates).
    #[tokio::test]
    async fn every_column_reads_as_the_pool_reads_it() {
        let (_dir, db, reader) = seeded(2, Duration::from_secs(10)).await;
        same_rows::<place::Entity, PlaceTerm>(&db, &reader).await;
        same_rows::<network::Entity, NetworkTerm>(&db, &reader).await;
        same_rows::<membership::Entity, MembershipTerm>(&db, &reader).await;
        same_rows::<event::Entity, EventTerm>(&db, &reader).await;
    }

    async fn same_rows<E: EntityTrait<Model: Sync + Partial>, F: Term>(
        db: &DatabaseConnection,
        reader: &SyncReader,
    ) {
        let columns = Columns::of(<E::Model as Partial>::Column::iter());
        let window = Window {
            after: None,
            before: None,
            size: 10_000,
            backward: false,
        };
        let spec = ListSpec::<F>::default();
        let pool = page::root_page::<E, F>(db, &spec, &window, columns)
            .await
            .unwrap();
        let loader = loaders::data_loader(db.clone(), Some(reader.clone()), |batch| batch);
        let sync = loader
            .load_one(RootPageKey::<E, F> {
                spec,
                window,
                columns,
                entity: PhantomData,
            })
            .await
            .unwrap()
            .unwrap();
        assert!(!pool.is_empty());
        assert_eq!(format!("{sync:?}"), format!("{pool:?}"));
    }

    #[tokio::test]
    async fn a_statement_stops_at_the_deadline() {
        let (_dir, _db, reader) = seeded(1, Duration::from_millis(200)).await;
        let started = std::time::Instant::now();
        let error = reader.rows(&select(ENDLESS), First).await.unwrap_err();
        assert!(matches!(error, AppError::TimedOut), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let answer = reader.rows(&select("41 + 1"), First).await.unwrap();
        assert_eq!(answer, [42], "the reader goes on working");
    }

    /// A statement longer than the inline budget is not stopped by it: it runs again, to its
    /// end, on the blocking pool.
    #[tokio::test]
    async fn a_long_statement_finishes_on_the_blocking_pool() {
        let (_dir, _db, reader) = seeded(1, Duration::from_secs(60)).await;
        let long = select(
            "(WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000000) \
             SELECT count(*) FROM n)",
        );
        let started = std::time::Instant::now();
        assert_eq!(reader.rows(&long, First).await.unwrap(), [2_000_000]);
        assert!(started.elapsed() > super::INLINE_BUDGET);
    }

    /// A request dropped while its statement runs stops the statement: the one reader is free
    /// again long before the statement's deadline.
    #[tokio::test]
    async fn a_dropped_request_stops_its_statement() {
        let (_dir, _db, reader) = seeded(1, Duration::from_secs(600)).await;
        let (endless, answer) = (select(ENDLESS), select("41 + 1"));
        let endless = reader.rows(&endless, First);
        let stopped = tokio::time::timeout(Duration::from_millis(200), endless).await;
        assert!(stopped.is_err(), "the endless statement ended: {stopped:?}");
        let next = reader.rows(&answer, First);
        let answer = tokio::time::timeout(Duration::from_secs(10), next)
            .await
            .expect("the reader was freed")
            .unwrap();
        assert_eq!(answer, [42]);
    }

    /// A write committed on the pool is read at once, also by a statement prepared before it.
    #[tokio::test]
    async fn a_committed_write_is_read_at_once() {
        let (_dir, db, reader) = seeded(1, Duration::from_secs(10)).await;
        db.execute_unprepared("CREATE TABLE scratch (x INTEGER)")
            .await
            .unwrap();
        let statement = select("(SELECT count(*) FROM scratch)");
        let count = || reader.rows(&statement, First);
        assert_eq!(count().await.unwrap(), [0]);
        db.execute_unprepared("INSERT INTO scratch VALUES (1)")
            .await
            .unwrap();
        assert_eq!(count().await.unwrap(), [1]);
    }
}
