//! The mutation root: create, update and delete for every record type, one module each. This
//! is the GraphQL boundary of the write path; the writes themselves are in [`crate::service`].
//!
//! Every mutation
//! - first checks that the request may write ([`authorize`]: a valid bearer token),
//! - decodes its ids and parses its input into [`crate::domain`] values, naming the offending
//!   field (`input.countryCode`),
//! - calls the service in one transaction ([`Write`], the service's unit of work): on any error
//!   nothing is written,
//! - and publishes the [`Change`]s the service returned only after the commit.
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

use async_graphql::{Context, MaybeUndefined, MergedObject};
use sea_orm::DatabaseTransaction;

use super::db;
use crate::{
    auth::Access,
    changes::{feed::Feed, Change, Changes},
    domain::InputPath,
    error::{AppError, AppResult},
    service::{self, write::WriteLock, Edit},
};

/// Refuses the mutation unless the request carries a valid bearer token. A request without an
/// attached [`Access`] (the schema used directly, not over HTTP) counts as anonymous.
fn authorize(ctx: &Context<'_>) -> AppResult<()> {
    ctx.data_opt::<Access>()
        .copied()
        .unwrap_or(Access::Anonymous)
        .require_writer()
}

/// Writes. Every mutation needs an `Authorization: Bearer <token>` header with one of the
/// server's API tokens (`UNAUTHENTICATED` otherwise; `FORBIDDEN` when the server takes no
/// writes). It checks its input before writing anything (`BAD_USER_INPUT`, `INVALID_ID`,
/// `NOT_FOUND` or `CONFLICT`, with `extensions.field` naming the input field at fault, e.g.
/// `input.countryCode`) and runs in one transaction: when it fails, nothing is written, its
/// payload is null and the error says why. Subscribers hear of a change once it is committed.
#[derive(MergedObject, Default)]
pub struct Mutation(
    city::CityMutation,
    network::NetworkMutation,
    membership::MembershipMutation,
    event::EventMutation,
    twinning::TwinningMutation,
);

/// A mutation's unit of work ([`crate::service::write::Write`]), begun and committed with what
/// the schema's context holds: the write turn, the pool, the change feed and the bus.
pub(super) struct Write(service::write::Write);

impl Write {
    /// Waits for this process's write turn, then begins a transaction.
    pub async fn begin(ctx: &Context<'_>) -> async_graphql::Result<Self> {
        let lock = ctx.data::<WriteLock>()?;
        Ok(Self(service::write::Write::begin(lock, db(ctx)?).await?))
    }

    /// The connection to run this mutation's statements on.
    pub fn db(&self) -> &DatabaseTransaction {
        self.0.db()
    }

    /// Notes changes to announce after the commit.
    pub fn record(&mut self, changes: Vec<Change>) {
        self.0.record(changes);
    }

    /// Commits, then announces (see [`service::write::Write::commit`]).
    pub async fn commit(self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let feed = ctx.data::<Feed>()?;
        let changes = ctx.data::<Changes>()?;
        Ok(self.0.commit(feed, changes).await?)
    }
}

/// How the service layer names this API's input values in errors: `input.countryCode`.
fn at_input() -> InputPath {
    InputPath::new("input")
}

/// An optional input value, parsed when given.
fn given<T, U>(value: Option<T>, parse: impl FnOnce(T) -> AppResult<U>) -> AppResult<Option<U>> {
    value.map(parse).transpose()
}

/// A field that an update may leave out but not clear: an explicit `null` is refused (rather
/// than silently read as "unchanged"); a value is parsed.
fn unless_null<T, U>(
    field: &str,
    input: MaybeUndefined<T>,
    parse: impl FnOnce(T) -> AppResult<U>,
) -> AppResult<Edit<U>> {
    match input {
        MaybeUndefined::Undefined => Ok(Edit::Keep),
        MaybeUndefined::Null => Err(AppError::BadUserInput(format!(
            "`{field}` cannot be null; leave it out to keep its value."
        ))
        .at(field)),
        MaybeUndefined::Value(value) => parse(value).map(Edit::To),
    }
}

/// The edit of a nullable field in an update: kept when the input leaves it out, cleared by an
/// explicit `null`, otherwise the given value once `parse` accepts it (`parse` may clear it
/// too, as an empty text does).
fn updated_with<T, U>(
    input: MaybeUndefined<T>,
    parse: impl FnOnce(T) -> AppResult<Option<U>>,
) -> AppResult<Edit<Option<U>>> {
    match input {
        MaybeUndefined::Undefined => Ok(Edit::Keep),
        MaybeUndefined::Null => Ok(Edit::To(None)),
        MaybeUndefined::Value(value) => parse(value).map(Edit::To),
    }
}
