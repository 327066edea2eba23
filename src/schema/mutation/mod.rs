//! The mutation root: create, update and delete for every record type, one module each.
//!
//! Every mutation
//! - first checks that the request may write ([`authorize`]: a valid bearer token),
//! - checks its input before touching the database, naming the offending field,
//! - runs in one transaction ([`Write`]): on any error nothing is written,
//! - and publishes its [`Change`]s to subscribers only after the commit.
//!
//! Payloads are nullable, as in GitHub's API: a failed mutation answers `{"createCity": null}`
//! with the error beside it, and the rest of the response stays intact. Each resolver returns
//! `Option<Result<Payload>>` for that: async-graphql turns an error *returned* by a resolver into
//! a null for the nearest parent, so a lone failed mutation would give `"data": null`
//! (async-graphql issue #1272), while an error *inside* the `Option` is a null for the field
//! itself, as the GraphQL specification says. For the same reason authorization is a call at
//! the start of each mutation rather than a field guard.

mod city;
mod event;
pub mod input;
mod membership;
mod network;
mod twinning;

use std::sync::Arc;

use async_graphql::{Context, MaybeUndefined, MergedObject};
use sea_orm::{DatabaseTransaction, TransactionTrait};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::db;
use crate::{
    auth::Access,
    changes::{Change, Changes},
    error::{AppError, AppResult},
};

/// Refuses the mutation unless the request carries a valid bearer token. A request without an
/// attached [`Access`] (the schema used directly, not over HTTP) counts as anonymous.
fn authorize(ctx: &Context<'_>) -> AppResult<()> {
    ctx.data_opt::<Access>()
        .copied()
        .unwrap_or(Access::Anonymous)
        .require_writer()
}

#[derive(MergedObject, Default)]
pub struct Mutation(
    city::CityMutation,
    network::NetworkMutation,
    membership::MembershipMutation,
    event::EventMutation,
    twinning::TwinningMutation,
);

/// Lets one write transaction run at a time in this process.
///
/// SQLite allows one writer at a time anyway; queueing writers here, instead of letting them
/// race for SQLite's lock, means no client ever sees `database is locked`, and readers (WAL)
/// are never blocked. On PostgreSQL it also spares concurrent writers serialisation failures;
/// several instances still write concurrently, and the unique indexes turn any race they lose
/// into `CONFLICT`.
#[derive(Clone, Default)]
pub struct WriteLock(Arc<Mutex<()>>);

/// One mutation's transaction and the changes it will announce once committed. Dropping it
/// without [`commit`](Self::commit) rolls everything back.
pub(super) struct Write {
    transaction: DatabaseTransaction,
    changes: Vec<Change>,
    _turn: OwnedMutexGuard<()>,
}

impl Write {
    /// Waits for this process's write turn, then begins a transaction.
    pub async fn begin(ctx: &Context<'_>) -> async_graphql::Result<Self> {
        let turn = ctx.data::<WriteLock>()?.0.clone().lock_owned().await;
        let transaction = db(ctx)?.begin().await.map_err(AppError::from)?;
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

    /// Notes a change to announce after the commit.
    pub fn record(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// Commits, then tells subscribers.
    pub async fn commit(self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        self.transaction.commit().await.map_err(AppError::from)?;
        ctx.data::<Changes>()?.publish(self.changes);
        Ok(())
    }
}

/// The new value of a nullable field in an update: unchanged when the input leaves it out,
/// cleared by an explicit `null`, otherwise the given value once it passes `check`.
fn updated_with<T, U>(
    input: MaybeUndefined<T>,
    current: Option<U>,
    check: impl FnOnce(T) -> AppResult<Option<U>>,
) -> AppResult<Option<U>> {
    match input {
        MaybeUndefined::Undefined => Ok(current),
        MaybeUndefined::Null => Ok(None),
        MaybeUndefined::Value(value) => check(value),
    }
}

/// The `CONFLICT` refusing to delete a record that others still refer to.
fn still_referenced(what: &str, references: &[(u64, &str)]) -> Option<AppError> {
    let named: Vec<String> = references
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, noun)| format!("{count} {noun}"))
        .collect();
    if named.is_empty() {
        return None;
    }
    Some(
        AppError::Conflict(format!(
            "{what} is still referenced by {}. Remove those first, or pass `cascade: true` to \
             delete them with it.",
            named.join(", ")
        ))
        .at("input.id"),
    )
}
