//! Batched data access. Every relation a resolver follows goes through one `DataLoader`, so a
//! query touching N parents issues one statement per relation level, not N.
//!
//! - [`by_id`]: single rows by primary key (a membership's city, an event's host, …).
//! - [`by_slug`]: single rows by slug, for the root fields that take one.
//! - [`cells`]: reading rows by position from either SQLite driver.
//! - [`filter`]: filters as data (built by the schema) and their translation to SQL.
//! - [`page`]: one page of a list per parent, paged in SQL with a `LIMIT` per parent, plus the
//!   per-parent `totalCount`.
//! - [`graph`]: partners and shared networks.
//! - [`path`]: the shortest chain of shared networks between two places.
//! - [`search`]: full-text queries.
//! - [`topics`]: a network's topic tags.
//!
//! `ARCHITECTURE.md` describes how pages are cut per parent and the invariants they keep.

pub mod by_id;
pub mod by_slug;
pub mod cells;
pub mod filter;
pub mod graph;
pub mod page;
pub mod path;
pub mod search;
pub mod topics;

use std::time::Duration;

use async_graphql::{dataloader::DataLoader, futures_util::future::BoxFuture};
use sea_orm::{sea_query::SelectStatement, ConnectionTrait, DatabaseConnection, DbErr};

use crate::db::sync_reads::SyncReader;
use cells::{Cells, ReadRow};

/// The one loader type; it implements `Loader<K>` for every key type in the submodules.
pub struct AppLoader {
    db: DatabaseConnection,
    /// Where pages and their counts are read when not on the pool: the planned path's
    /// synchronous SQLite reader (`PLANNED_READS=sync`). The resolvers' loader has none, so
    /// that they stay an independent oracle of the planned answers.
    sync: Option<SyncReader>,
}

impl AppLoader {
    /// The rows of `statement`, each read by `read`, from the synchronous reader if this loader
    /// has one, else from the pool.
    async fn rows<R: ReadRow>(
        &self,
        statement: &SelectStatement,
        read: R,
    ) -> Result<Vec<R::Output>, LoadError> {
        select(&self.db, self.sync.as_ref(), statement, read).await
    }
}

/// The rows of `statement`, each read by `read`: from `sync` if given, else from `db`.
async fn select<R: ReadRow>(
    db: &DatabaseConnection,
    sync: Option<&SyncReader>,
    statement: &SelectStatement,
    read: R,
) -> Result<Vec<R::Output>, LoadError> {
    match sync {
        Some(reader) => reader.rows(statement, read).await,
        None => {
            let rows = db.query_all(statement).await?;
            let read_rows = rows.iter().map(|row| read.read(row));
            Ok(read_rows.collect::<Result<_, DbErr>>()?)
        }
    }
}

/// Loader errors must be `Clone` (one failure answers every waiting resolver). They are the
/// client-facing error already, so a resolver's `?` always carries a code: a database failure
/// reaches the client only as `INTERNAL_SERVER_ERROR`.
pub type LoadError = crate::error::AppError;

/// What a batch runs inside: the caller's observation of it (its span, the operation it is
/// counted for), given by whoever builds the loader so that loaders need not know of it.
pub type BatchWrapper = fn(BoxFuture<'static, ()>) -> BoxFuture<'static, ()>;

/// Built once per schema (and once more for the planned path when it reads elsewhere, see
/// `plan::PlannedLoader`) and shared by all requests: it caches nothing, so results are never
/// stale, while concurrent requests can still share a batch. Each batch runs inside `wrap`.
/// With `sync`, pages and counts are read there instead of on `db` (see [`AppLoader`]).
pub fn data_loader(
    db: DatabaseConnection,
    sync: Option<SyncReader>,
    wrap: BatchWrapper,
) -> DataLoader<AppLoader> {
    DataLoader::new(AppLoader { db, sync }, move |batch| {
        spawn_when_idle(wrap(batch))
    })
    .delay(Duration::ZERO)
    .max_batch_size(MAX_BATCH)
}

/// Runs a batch only once the worker has nothing else ready to run.
///
/// A time-based batching window (async-graphql's default, 1 ms) splits a level into several
/// batches whenever resolving it takes longer than the window, and adds the window to every
/// level's latency. Instead, the batch task yields to the scheduler first: tokio runs a yielded
/// task only after the tasks that are ready, so every resolver of the current level registers its
/// key before the statement runs, and no time is spent waiting. (The loader's own zero delay
/// must not go through tokio's timer, which rounds it up to a 1 ms tick: see `Cargo.toml`.)
fn spawn_when_idle(batch: BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for _ in 0..IDLE_YIELDS {
            tokio::task::yield_now().await;
        }
        batch.await
    })
}

/// How many scheduler turns a batch lets pass before it runs.
const IDLE_YIELDS: usize = 2;

/// The most keys one statement takes: two nested pages of 100 give 10 000 parents, which must
/// still be one statement (both SQLite and PostgreSQL accept that many bound values).
const MAX_BATCH: usize = 10_000;

/// Groups a batch's keys (as `(group, item)` pairs) by group, compared by equality: a batch
/// holds one group or a few, so this is cheaper than hashing every key's group.
fn group_by<K: PartialEq, T>(items: impl IntoIterator<Item = (K, T)>) -> Vec<(K, Vec<T>)> {
    let mut groups: Vec<(K, Vec<T>)> = Vec::new();
    for (key, item) in items {
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(item),
            None => groups.push((key, vec![item])),
        }
    }
    groups
}

/// The rows of a `SELECT parent, COUNT(*) … GROUP BY parent`, by position.
struct GroupedCount;

impl ReadRow for GroupedCount {
    type Output = (i32, u64);

    fn read<R: Cells>(&self, row: &R) -> Result<Self::Output, DbErr> {
        let count: i64 = row.cell(1)?;
        Ok((row.cell(0)?, u64::try_from(count).unwrap_or(0)))
    }
}

/// Runs a `SELECT parent, COUNT(*) … GROUP BY parent` on the pool and returns the counts by
/// parent, read as every grouped count is ([`GroupedCount`]): the graph's counts.
async fn grouped_counts(
    db: &DatabaseConnection,
    statement: &SelectStatement,
) -> Result<std::collections::HashMap<i32, u64>, LoadError> {
    let counts = select(db, None, statement, GroupedCount).await?;
    Ok(counts.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use async_graphql::dataloader::{DataLoader, Loader};

    struct Doubles;

    impl Loader<i32> for Doubles {
        type Value = i32;
        type Error = String;

        async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, i32>, String> {
            Ok(keys.iter().map(|&key| (key, key * 2)).collect())
        }
    }

    /// The loader's batches wait for no timer: a runtime without one runs them. With
    /// async-graphql's "tokio-timer" feature its zero delay is a tokio sleep, which panics in
    /// the batch task here (and elsewhere waits for the timer's next 1 ms tick); the load then
    /// never ends, so it runs on a thread of its own, watched.
    #[test]
    fn a_batch_waits_for_no_timer() {
        let (done, loaded) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a runtime without timers");
            let result = runtime.block_on(async {
                let loader = DataLoader::new(Doubles, super::spawn_when_idle)
                    .delay(std::time::Duration::ZERO);
                loader.load_many([1, 2, 3]).await
            });
            let _ = done.send(result);
        });
        let loaded = loaded
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the batch never ran: it waited for a timer");
        assert_eq!(loaded, Ok(HashMap::from([(1, 2), (2, 4), (3, 6)])));
    }
}
