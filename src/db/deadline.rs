//! A time limit on every SQL statement, so that no statement outlives the request that started
//! it (`REQUEST_TIMEOUT_MS`).
//!
//! Dropping a request does not stop its SQL: DataLoader batches run in tasks of their own, and a
//! statement already inside the database runs to its end. So the database stops it:
//!
//! - PostgreSQL: `statement_timeout`, set on every connection.
//!
//! Writes are exempt — a mutation always runs whole, so that its client knows what happened: on
//! PostgreSQL the write transaction sets `statement_timeout` to 0 for itself
//! (`SET LOCAL`); on SQLite the handler leaves statements alone while the connection is inside
//! an explicit transaction, which on the serving pool only writes open.
//! - SQLite: a progress handler, called every [`CHECK_EVERY_OPS`] virtual-machine instructions
//!   of a running statement, interrupts a statement that has run longer than the limit
//!   (`SQLITE_INTERRUPT`, which sqlx reports as an error). The handler tells one run of a
//!   statement from the next by the statement's run counter (`SQLITE_STMTSTATUS_RUN`), which
//!   SQLite raises as a run starts and the handler sets back to zero at each check: a zero means
//!   the check before this one saw the same run. The statement's address alone would not do: a
//!   statement finalized (say, dropped from sqlx's statement cache) leaves its address to the
//!   next one prepared, which would then be timed from the old statement's start.

use std::{ptr::NonNull, time::Duration};

use libsqlite3_sys as ffi;
use sea_orm::{
    sqlx::{sqlite::SqliteConnection, Error},
    DbErr, RuntimeErr,
};
use tokio::time::Instant;

/// How many SQLite virtual-machine instructions run between two checks of the clock (about a
/// millisecond of work).
const CHECK_EVERY_OPS: i32 = 20_000;

/// SQLite's result code for a statement its progress handler stopped (`SQLITE_INTERRUPT`).
const SQLITE_INTERRUPTED: &str = "9";
/// PostgreSQL's SQLSTATE for a statement `statement_timeout` stopped (`query_canceled`).
const POSTGRES_QUERY_CANCELED: &str = "57014";

/// True when `error` is the database stopping a statement at this deadline: the request that
/// ran it has outlived `REQUEST_TIMEOUT_MS` as surely as when the executor's timer fires, and
/// is answered the same way (`REQUEST_TIMEOUT`), not as an internal error.
pub fn stopped_at_the_deadline(error: &DbErr) -> bool {
    let (DbErr::Query(RuntimeErr::SqlxError(error)) | DbErr::Exec(RuntimeErr::SqlxError(error))) =
        error
    else {
        return false;
    };
    let Error::Database(error) = error.as_ref() else {
        return false;
    };
    matches!(
        error.code().as_deref(),
        Some(SQLITE_INTERRUPTED | POSTGRES_QUERY_CANCELED)
    )
}

/// Installs the statement deadline on a fresh SQLite connection (sqlx's `after_connect`).
pub async fn install_on_sqlite(
    connection: &mut SqliteConnection,
    limit: Duration,
) -> Result<(), Error> {
    let mut handle = connection.lock_handle().await?;
    let database = Database(handle.as_raw_handle());
    // The statement whose run is being timed, and when the handler first saw that run.
    let mut current: Option<(usize, Instant)> = None;
    #[allow(unsafe_code)]
    handle.set_progress_handler(CHECK_EVERY_OPS, move || {
        // SAFETY: the handler runs on the connection's own thread, inside a step of one of its
        // statements; `in_transaction` only reads the connection's autocommit flag.
        if unsafe { database.in_transaction() } {
            return true;
        }
        // SAFETY: as above; `running_statement` only reads statement status and resets the
        // statement's run counter.
        let Some(run) = (unsafe { database.running_statement() }) else {
            return true;
        };
        match current {
            Some((statement, started)) if !run.is_new && statement == run.statement => {
                started.elapsed() < limit
            }
            _ => {
                current = Some((run.statement, Instant::now()));
                true
            }
        }
    });
    Ok(())
}

/// The statement a progress check found running.
#[derive(Clone, Copy)]
struct Run {
    /// The statement's address: which statement, while it lives.
    statement: usize,
    /// Whether this run started after the last check of this statement (or the statement was
    /// never checked): its run counter was above zero.
    is_new: bool,
}

/// The connection's handle, moved into its own progress handler.
struct Database(NonNull<ffi::sqlite3>);

// SAFETY: the handle is used only by the progress handler, which SQLite calls on the thread that
// is stepping a statement of this very connection.
#[allow(unsafe_code)]
unsafe impl Send for Database {}

#[allow(unsafe_code)]
impl Database {
    /// Whether the connection is inside an explicit transaction (a write's).
    ///
    /// # Safety
    /// Call only from the connection's progress handler.
    unsafe fn in_transaction(&self) -> bool {
        // SAFETY: the caller is the progress handler, so the handle is live; this reads a flag.
        unsafe { ffi::sqlite3_get_autocommit(self.0.as_ptr()) == 0 }
    }

    /// The statement being stepped, if any. Sets its run counter back to zero, so that the next
    /// check can tell this run from the next.
    ///
    /// # Safety
    /// Call only from the connection's progress handler.
    unsafe fn running_statement(&self) -> Option<Run> {
        // SAFETY: the caller is the progress handler, so the handle is live and this thread is
        // the one stepping its statements; these calls walk the statements, read their status
        // and reset one status counter, which only `sqlite3_stmt_status` reads.
        unsafe {
            let mut statement = ffi::sqlite3_next_stmt(self.0.as_ptr(), std::ptr::null_mut());
            while !statement.is_null() {
                if ffi::sqlite3_stmt_busy(statement) != 0 {
                    let runs = ffi::sqlite3_stmt_status(statement, ffi::SQLITE_STMTSTATUS_RUN, 1);
                    return Some(Run {
                        statement: statement as usize,
                        is_new: runs != 0,
                    });
                }
                statement = ffi::sqlite3_next_stmt(self.0.as_ptr(), statement);
            }
            None
        }
    }
}
