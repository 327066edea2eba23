//! The change feed: every committed write is announced once to every instance on the database,
//! and every instance can tell, cheaply, how many writes have been committed.
//!
//! Each write transaction, just before it commits,
//! - bumps the one-row `write_generation` (its **generation**: the number of write transactions
//!   committed so far, counting this one),
//! - logs what it changed in `change_log` (JSON, under that generation; more than
//!   [`BACKLOG`](super::BACKLOG) changes are coalesced into one [`Change::Overflow`] marker), and
//! - on PostgreSQL, `NOTIFY citynet_changes` with the generation (delivered at commit).
//!
//! Every instance follows the log from the generation it started at: on PostgreSQL it `LISTEN`s
//! (reconnecting by itself after a lost connection, and catching up on what it missed), on SQLite
//! it polls the generation every [`POLL_INTERVAL`] (a single process normally serves a SQLite
//! file; the poll notices the CLI and other processes). What other instances wrote is published
//! on this instance's [`Changes`] bus, so subscriptions hear writes made anywhere.
//!
//! The generation is what keeps the response cache fresh (see [`crate::cache`]):
//! [`Feed::current`] is the generation a query starting now must reflect.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, Query},
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, Statement,
};

use sea_orm::sqlx::postgres::PgListener;

use super::{Change, Changes, BACKLOG};

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "citynet_changes";

/// How often an instance on SQLite looks for writes made by other processes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// How many generations the log keeps; an instance further behind than that (a long outage of
/// its listener) ends its subscriptions as lagged instead of replaying.
const LOG_LENGTH: i64 = 1_000;

/// At most this many log entries are read per round trip while catching up.
const CATCH_UP_BATCH: u64 = 200;

/// The first and the longest wait before reconnecting a lost listener.
const RECONNECT_MIN: Duration = Duration::from_millis(100);
const RECONNECT_MAX: Duration = Duration::from_secs(5);

/// This instance's view of the feed; cheap to clone.
#[derive(Clone)]
pub struct Feed(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    /// Names this instance in the log, so that it skips its own writes (published already).
    instance: String,
    /// The highest generation this instance has seen committed.
    seen: AtomicU64,
    /// The highest generation whose log entry this instance has read (or skipped).
    followed: tokio::sync::Mutex<u64>,
    /// PostgreSQL: the listener is connected. While it is not, [`Feed::current`] is `None` and
    /// cached answers are not served. Always true on SQLite.
    listening: AtomicBool,
}

impl Feed {
    /// The feed of `db`, starting at the generation committed now.
    pub async fn open(db: DatabaseConnection) -> Result<Self, DbErr> {
        let generation = read_generation_at_start(&db).await?;
        let sqlite = db.get_database_backend() == DbBackend::Sqlite;
        Ok(Self(Arc::new(Inner {
            db,
            instance: instance_name(),
            seen: AtomicU64::new(generation),
            followed: tokio::sync::Mutex::new(generation),
            listening: AtomicBool::new(sqlite),
        })))
    }

    /// Starts following what other instances write, publishing it on `changes`, until the
    /// process ends. On PostgreSQL the listener is connected before this returns (when the
    /// database answers), so that the cache serves from the first request.
    pub async fn follow(&self, changes: Changes) {
        let feed = self.clone();
        if self.0.db.get_database_backend() == DbBackend::Postgres {
            let first = self.listener().await.map_err(|err| {
                tracing::warn!(error = %err, "cannot listen to the change feed yet; retrying");
            });
            if first.is_ok() {
                self.0.listening.store(true, Ordering::Release);
            }
            tokio::spawn(async move { feed.listen(first.ok(), changes).await });
        } else {
            tokio::spawn(async move { feed.poll(changes).await });
        }
    }

    /// In a write transaction, just before its commit: takes the next generation and logs
    /// `changes` under it (and notifies, on PostgreSQL). Returns the generation, to pass to
    /// [`committed`](Self::committed) once the commit succeeded.
    pub async fn record(
        &self,
        transaction: &DatabaseTransaction,
        changes: &[Change],
    ) -> Result<u64, DbErr> {
        log_commit(transaction, &self.0.instance, changes).await
    }

    /// After a commit of `generation` through this instance: queries starting from now must
    /// reflect it.
    pub fn committed(&self, generation: u64) {
        self.0.seen.fetch_max(generation, Ordering::AcqRel);
    }

    /// The generation that a query starting now must reflect, or `None` when this instance
    /// cannot tell (its PostgreSQL listener is down, or the database does not answer): then
    /// nothing may be served from the cache.
    ///
    /// On SQLite this is the in-process counter, advanced by every commit of this process before
    /// the write is acknowledged. On PostgreSQL it is read from the database, one primary-key
    /// lookup, so that a write acknowledged by any instance counts at once, notification or not.
    pub async fn current(&self) -> Option<u64> {
        if !self.0.listening.load(Ordering::Acquire) {
            return None;
        }
        if self.0.db.get_database_backend() == DbBackend::Sqlite {
            return Some(self.0.seen.load(Ordering::Acquire));
        }
        match read_generation(&self.0.db).await {
            Ok(generation) => {
                self.committed(generation);
                Some(generation)
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the write generation");
                None
            }
        }
    }

    /// PostgreSQL: `LISTEN`, catch up, and publish each notified commit; after a lost
    /// connection, reconnect (with backoff) and catch up on what was missed meanwhile.
    async fn listen(self, mut connected: Option<PgListener>, changes: Changes) {
        let mut wait = RECONNECT_MIN;
        loop {
            let listener = match connected.take() {
                Some(listener) => Ok(listener),
                None => self.listener().await,
            };
            match listener {
                Ok(mut listener) => {
                    self.0.listening.store(true, Ordering::Release);
                    tracing::info!("following the change feed (LISTEN {CHANNEL})");
                    wait = RECONNECT_MIN;
                    self.catch_up(&changes).await;
                    // `Ok(None)`: the connection was lost.
                    while let Ok(Some(_notification)) = listener.try_recv().await {
                        self.catch_up(&changes).await;
                    }
                    self.0.listening.store(false, Ordering::Release);
                    tracing::warn!("the change-feed listener lost its connection; reconnecting");
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen to the change feed; retrying");
                }
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(RECONNECT_MAX);
        }
    }

    async fn listener(&self) -> Result<PgListener, sea_orm::sqlx::Error> {
        let pool = self.0.db.get_postgres_connection_pool();
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }

    /// SQLite: look for commits of other processes every [`POLL_INTERVAL`].
    async fn poll(self, changes: Changes) {
        let mut interval = tokio::time::interval(POLL_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match read_generation(&self.0.db).await {
                Ok(generation) if generation > *self.0.followed.lock().await => {
                    self.catch_up(&changes).await;
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "cannot read the write generation"),
            }
        }
    }

    /// Reads the log past the last generation followed; publishes what other instances wrote
    /// and counts their generations as seen. A gap (entries pruned while this instance was not
    /// listening) is published as [`Change::Overflow`]: subscribers must re-read.
    async fn catch_up(&self, changes: &Changes) {
        let mut followed = self.0.followed.lock().await;
        loop {
            let entries = match read_log(&self.0.db, *followed).await {
                Ok(entries) => entries,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot read the change log");
                    return;
                }
            };
            let Some(last) = entries.last().map(|entry| entry.generation) else {
                return;
            };
            if entries[0].generation > *followed + 1 {
                changes.publish(vec![Change::Overflow]);
            }
            for entry in &entries {
                if entry.instance != self.0.instance {
                    changes.publish(entry.changes());
                }
            }
            *followed = last;
            self.committed(last);
            if (entries.len() as u64) < CATCH_UP_BATCH {
                return;
            }
        }
    }
}

/// Takes the next generation in `transaction` and logs `changes` under it (more than
/// [`BACKLOG`] as one [`Change::Overflow`]); on PostgreSQL also notifies (delivered at commit).
async fn log_commit(
    transaction: &DatabaseTransaction,
    instance: &str,
    changes: &[Change],
) -> Result<u64, DbErr> {
    let backend = transaction.get_database_backend();
    let row = transaction
        .query_one_raw(Statement::from_string(
            backend,
            "UPDATE write_generation SET generation = generation + 1 WHERE id = 1 \
             RETURNING generation",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("write_generation".into()))?;
    let generation: i64 = row.try_get("", "generation")?;
    let logged = if changes.len() > BACKLOG {
        serde_json::to_string(&[Change::Overflow])
    } else {
        serde_json::to_string(changes)
    }
    .map_err(|err| DbErr::Custom(format!("cannot log the changes: {err}")))?;
    let insert = Query::insert()
        .into_table(Alias::new("change_log"))
        .columns([
            Alias::new("generation"),
            Alias::new("instance"),
            Alias::new("changes"),
        ])
        .values([generation.into(), instance.into(), logged.into()])
        .map_err(|err| DbErr::Custom(err.to_string()))?
        .to_owned();
    transaction.execute(&insert).await?;
    let prune = Query::delete()
        .from_table(Alias::new("change_log"))
        .and_where(Expr::col(Alias::new("generation")).lte(generation - LOG_LENGTH))
        .to_owned();
    transaction.execute(&prune).await?;
    if backend == DbBackend::Postgres {
        transaction
            .execute_unprepared(&format!("NOTIFY {CHANNEL}, '{generation}'"))
            .await?;
    }
    Ok(u64::try_from(generation).unwrap_or_default())
}

/// Logs a bulk write (seeding, generating a world) in its transaction: a new generation, so
/// that no cached answer outlives it, announced as [`Change::Overflow`], so that subscribers
/// re-read.
pub async fn log_bulk_write(transaction: &DatabaseTransaction) -> Result<u64, DbErr> {
    log_commit(transaction, "bulk", &[Change::Overflow]).await
}

/// Logs what an import (`citynet import`, the seed) wrote in its transaction: its changes one by
/// one, or [`Change::Overflow`] for more than a subscriber may be handed. An empty list still
/// takes a generation, so that no cached answer outlives the write.
pub async fn log_import(
    transaction: &DatabaseTransaction,
    changes: &[Change],
) -> Result<u64, DbErr> {
    log_commit(transaction, "import", changes).await
}

/// One entry of `change_log`.
struct LogEntry {
    generation: u64,
    instance: String,
    changes: String,
}

impl LogEntry {
    /// The changes logged; an entry that does not decode (written by another version) is
    /// announced as an overflow, which ends subscriptions rather than skipping a write.
    fn changes(&self) -> Vec<Change> {
        serde_json::from_str(&self.changes).unwrap_or_else(|err| {
            tracing::warn!(error = %err, generation = self.generation, "undecodable change log entry");
            vec![Change::Overflow]
        })
    }
}

/// The generation as the server starts: not a client's request, so not under the statement
/// deadline the pool sets for queries (`REQUEST_TIMEOUT_MS` may be a few milliseconds, and a
/// busy database must not stop the server from starting).
async fn read_generation_at_start(db: &DatabaseConnection) -> Result<u64, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return read_generation(db).await;
    }
    let transaction = sea_orm::TransactionTrait::begin(db).await?;
    transaction
        .execute_unprepared("SET LOCAL statement_timeout = 0")
        .await?;
    let generation = read_generation(&transaction).await?;
    transaction.commit().await?;
    Ok(generation)
}

async fn read_generation<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT generation FROM write_generation WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("write_generation".into()))?;
    let generation: i64 = row.try_get("", "generation")?;
    Ok(u64::try_from(generation).unwrap_or_default())
}

async fn read_log(db: &DatabaseConnection, after: u64) -> Result<Vec<LogEntry>, DbErr> {
    let select = Query::select()
        .columns([
            Alias::new("generation"),
            Alias::new("instance"),
            Alias::new("changes"),
        ])
        .from(Alias::new("change_log"))
        .and_where(Expr::col(Alias::new("generation")).gt(i64::try_from(after).unwrap_or(i64::MAX)))
        .order_by(Alias::new("generation"), sea_orm::sea_query::Order::Asc)
        .limit(CATCH_UP_BATCH)
        .to_owned();
    db.query_all(&select)
        .await?
        .into_iter()
        .map(|row| {
            Ok(LogEntry {
                generation: u64::try_from(row.try_get::<i64>("", "generation")?)
                    .unwrap_or_default(),
                instance: row.try_get("", "instance")?,
                changes: row.try_get("", "changes")?,
            })
        })
        .collect()
}

/// A name for this process in the log: unique enough among the instances of one database.
fn instance_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!("{}-{nanos:x}", std::process::id())
}
