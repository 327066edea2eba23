//! The unit of work of every write through the API: one transaction, taken in this process's
//! write turn, whose changes are logged in the feed before the commit and announced after it.
//! The mutations begin one, call the aggregates' functions with its transaction, and commit it.

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{
    changes::{feed::Feed, Change, Changes},
    error::{AppError, AppResult},
};

/// Lets one write transaction run at a time in this process.
///
/// SQLite allows one writer at a time anyway; queueing writers here, instead of letting them
/// race for SQLite's lock, means no client ever sees `database is locked`, and readers (WAL)
/// are never blocked. Transactions also start `IMMEDIATE` on SQLite, so a writer in another
/// process (a second instance, `citynet seed`) is waited for (busy timeout) rather than failing
/// when a read would have to become a write. On PostgreSQL, several instances write
/// concurrently: a generated slug that another instance took first is retried (see
/// `service::slug`), and any other race a unique index catches is `CONFLICT`.
#[derive(Clone, Default)]
pub struct WriteLock(Arc<Mutex<()>>);

/// One write's transaction and the changes it will announce once committed. Dropping it
/// without [`commit`](Self::commit) rolls everything back.
pub struct Write {
    transaction: DatabaseTransaction,
    changes: Vec<Change>,
    _turn: OwnedMutexGuard<()>,
}

impl Write {
    /// Waits for this process's write turn (`lock`), then begins a transaction on `db`.
    pub async fn begin(lock: &WriteLock, db: &DatabaseConnection) -> AppResult<Self> {
        let turn = lock.0.clone().lock_owned().await;
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let transaction = db.begin_with_options(options).await?;
        // A mutation runs whole: the serving pool's statement deadline is for queries.
        if transaction.get_database_backend() == DbBackend::Postgres {
            transaction
                .execute_unprepared("SET LOCAL statement_timeout = 0")
                .await?;
        }
        Ok(Self {
            transaction,
            changes: Vec::new(),
            _turn: turn,
        })
    }

    /// The connection to run this mutation's statements on.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.transaction
    }

    /// Notes changes to announce after the commit.
    pub fn record(&mut self, changes: Vec<Change>) {
        self.changes.extend(changes);
    }

    /// Logs the changes in the feed (taking the next write generation), commits, then counts
    /// the generation as committed and tells subscribers. The commit and what follows run in a
    /// task of their own, so a request that is abandoned meanwhile (the client went away) cannot
    /// separate a commit from its announcement; the write turn is held until all are done.
    pub async fn commit(self, feed: &Feed, changes: &Changes) -> AppResult<()> {
        let changes = changes.clone();
        let feed = feed.clone();
        let Self {
            transaction,
            changes: committed,
            _turn,
        } = self;
        let generation = feed.record(&transaction, &committed).await?;
        let finish = tokio::spawn(async move {
            transaction.commit().await?;
            // Before the acknowledgement: a query that starts after it must not be answered
            // from the cache of an older generation.
            feed.committed(generation);
            changes.publish(committed);
            drop(_turn);
            Ok::<(), sea_orm::DbErr>(())
        });
        match finish.await {
            Ok(result) => Ok(result?),
            Err(join_error) => {
                tracing::error!(error = %join_error, "the commit task failed");
                Err(AppError::Database(Arc::new(sea_orm::DbErr::Custom(
                    "the commit task failed".into(),
                ))))
            }
        }
    }
}
