//! The GraphQL schema: one module per type, each with its query root; this module merges them,
//! with the mutation root ([`mutation`]) and the subscription root ([`subscription`]). Nothing
//! here knows about HTTP.

// A list field takes the four Relay arguments plus `filter` and `orderBy`: GraphQL arguments, not
// a Rust API, so their number is the schema's business.
#![allow(clippy::too_many_arguments)]

mod city;
mod empty_selections;
pub mod enums;
mod event;
mod federation;
pub mod filters;
mod graph;
pub mod ids;
pub mod limits;
mod lookup;
mod membership;
pub mod mutation;
mod network;
mod node;
pub mod pagination;
mod rate_limit;
mod search;
pub mod shape;
mod source;
mod stated_numbers;
mod statement;
mod subscription;

use async_graphql::{
    dataloader::DataLoader, extensions::apollo_persisted_queries::ApolloPersistedQueries, Context,
    Data, MergedObject, ObjectType, Request, Response, Schema, SchemaBuilder,
};
use futures_util::{stream::BoxStream, StreamExt};
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbErr};

use crate::{
    cache::Caches,
    changes::{feed::Feed, Changes},
    config::Settings,
    db::sync_reads::SyncReader,
    loaders::{self, AppLoader},
    rate_limit::RateLimiter,
};

pub use city::City;
pub use event::Event;
pub use membership::Membership;
pub use mutation::Mutation;
pub use network::Network;
pub use node::Node;
pub use subscription::{
    Subscription, SubscriptionLimits, SubscriptionSlots, MAX_SUBSCRIPTIONS_PER_CONNECTION,
    TRANSPORTS as SUBSCRIPTION_TRANSPORTS,
};

/// Declares the query root from one list of parts, twice: `Query`, the public root, and
/// `FederatedQuery`, the root of a Federation subgraph (`FEDERATION=on`), which adds the entity
/// resolvers and with them `_entities`, `_service` and their types. The two share the GraphQL
/// name `Query` and the description; a public schema has none of federation's names (they would
/// reach generated client types as `any`, and hand out the schema while introspection is off).
macro_rules! query_roots {
    ($(#[doc = $doc:expr])* parts: $($part:ty),+ $(,)?) => {
        $(#[doc = $doc])*
        #[derive(MergedObject, Default)]
        pub struct Query($($part),+);

        $(#[doc = $doc])*
        #[derive(MergedObject, Default)]
        #[graphql(name = "Query")]
        pub struct FederatedQuery($($part),+, federation::FederationQuery);
    };
}

// Each domain module contributes its own fields.
query_roots! {
    /// The query root: every read starts here. Places (`city`, `cities`), networks (`network`,
    /// `networks`), memberships (`memberships`), events (`events`), any object by id (`node`,
    /// `nodes`), full-text `search`, and graph questions (`sharedNetworks`, `connection`).
    parts:
    node::NodeQuery,
    city::CityQuery,
    network::NetworkQuery,
    event::EventQuery,
    membership::MembershipQuery,
    search::SearchQuery,
    graph::GraphQuery,
    rate_limit::RateLimitQuery,
}

/// The executable schema, with or without Federation: the two differ in their query root's type,
/// so the transports see one type that runs either.
#[derive(Clone)]
pub enum AppSchema {
    Public(Schema<Query, Mutation, Subscription>),
    Subgraph(Schema<FederatedQuery, Mutation, Subscription>),
}

impl AppSchema {
    /// Runs one request (a query or a mutation) to its response.
    ///
    /// The schema's future is boxed: it is large, and every layer above it (the time limit, the
    /// handler, the middleware) copied it as it wrapped it, ~3 % of a small query's instructions.
    pub async fn execute(&self, request: impl Into<Request>) -> Response {
        match self {
            Self::Public(schema) => Box::pin(schema.execute(request)).await,
            Self::Subgraph(schema) => Box::pin(schema.execute(request)).await,
        }
    }

    /// Runs one request as a stream of responses (a subscription's events), with the data of the
    /// session it belongs to.
    pub fn execute_stream_with_session_data(
        &self,
        request: impl Into<Request>,
        session_data: Arc<Data>,
    ) -> BoxStream<'static, Response> {
        match self {
            Self::Public(schema) => schema
                .execute_stream_with_session_data(request, session_data)
                .boxed(),
            Self::Subgraph(schema) => schema
                .execute_stream_with_session_data(request, session_data)
                .boxed(),
        }
    }

    /// The schema in GraphQL SDL, as clients see it (with federation's types when it is on).
    pub fn sdl(&self) -> String {
        match self {
            Self::Public(schema) => schema.sdl(),
            Self::Subgraph(schema) => schema.sdl(),
        }
    }
}

/// The public schema's shape, without any state attached (enough for `sdl()`).
pub fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription)
}

/// The subgraph schema's shape, without any state attached.
fn subgraph_builder() -> SchemaBuilder<FederatedQuery, Mutation, Subscription> {
    Schema::build(FederatedQuery::default(), Mutation::default(), Subscription).enable_federation()
}

/// What the schema shares with the HTTP layer: the caches (it parses and persists documents
/// into them), the change feed and bus its writes go through, and the rate limiter.
#[derive(Clone)]
pub struct Services {
    pub caches: Caches,
    pub feed: Feed,
    pub changes: Changes,
    /// `None` when rate limiting is off.
    pub rate_limiter: Option<Arc<RateLimiter>>,
}

impl Services {
    /// The services of `settings`, the feed reading `db`; the feed starts following other
    /// instances.
    pub async fn start(db: &DatabaseConnection, settings: &Settings) -> Result<Self, DbErr> {
        let changes = Changes::default();
        let feed = Feed::open(db.clone()).await?;
        feed.follow(changes.clone()).await;
        Ok(Self {
            caches: Caches::new(settings.response_cache_bytes, &settings.limits),
            feed,
            changes,
            rate_limiter: RateLimiter::new(
                settings.limits.rate_limit_points,
                settings.limits.rate_limit_window,
            ),
        })
    }
}

/// The executable schema over `db`, with the request limits and introspection switch of
/// `settings`, sharing `services` with the HTTP layer.
pub fn build(
    db: DatabaseConnection,
    planned_reads: Option<SyncReader>,
    settings: &Settings,
    services: &Services,
) -> AppSchema {
    if settings.federation {
        let sdl = subgraph_builder().finish().sdl();
        let schema = configure(
            subgraph_builder(),
            &sdl,
            db,
            planned_reads,
            settings,
            services,
        );
        AppSchema::Subgraph(schema)
    } else {
        let schema = configure(builder(), &sdl(), db, planned_reads, settings, services);
        AppSchema::Public(schema)
    }
}

/// `builder` with the limits, extensions and data of `settings` and `services`; `sdl` is the
/// schema it builds, which the shape pass reads its types from.
fn configure<Q: ObjectType + 'static>(
    builder: SchemaBuilder<Q, Mutation, Subscription>,
    sdl: &str,
    db: DatabaseConnection,
    planned_reads: Option<SyncReader>,
    settings: &Settings,
    services: &Services,
) -> Schema<Q, Mutation, Subscription> {
    let limits = &settings.limits;
    let db_for_plans = db.clone();
    let caches = &services.caches;
    let mut builder = builder
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(limits.max_depth.saturating_mul(2))
        // The limits first: they check the text (length, nesting) before anything parses it,
        // then let the persisted queries turn a hash into its stored document, and measure the
        // document that results like any other.
        .extension(limits::QueryLimits {
            limits: limits.clone(),
            introspection: settings.introspection,
            documents: caches.documents.clone(),
            validations: caches.validations.clone(),
            persisted: caches.persisted.clone(),
        })
        .extension(ApolloPersistedQueries::new(caches.persisted.clone()))
        .data(loaders::data_loader(
            db.clone(),
            None,
            crate::observe::operation::observed_batch,
        ))
        .data(crate::plan::PlansRunning::default())
        .data(crate::service::write::WriteLock::default())
        .data(services.changes.clone())
        .data(services.feed.clone())
        .data(db);
    if let Some(reader) = planned_reads {
        builder = builder.data(crate::plan::PlannedLoader(loaders::data_loader(
            db_for_plans,
            Some(reader),
            crate::observe::operation::observed_batch,
        )));
    }
    if let Some(limiter) = &services.rate_limiter {
        builder = builder.data(limiter.clone());
    }
    if settings.traces.is_some() {
        // Only then: every extension wraps every field's resolution, so it is not free.
        builder = builder.extension(crate::observe::trace::SpanExtension);
    }
    // Innermost: every other extension wraps the planned path as it wraps the resolvers.
    let planned: Option<Arc<dyn shape::PlannedExecution>> = settings
        .query_planner
        .then(|| Arc::new(crate::plan::Planner) as Arc<dyn shape::PlannedExecution>);
    builder = builder.extension(shape::ShapeResponses {
        types: Arc::new(shape::TypeInfo::from_sdl(sdl)),
        planned,
    });
    if !settings.introspection {
        // "Did you mean …?" in validation errors would tell the schema that introspection hides.
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The public schema in GraphQL SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// A count or length as a GraphQL `Int`: beyond `i32::MAX`, it shows as `i32::MAX`.
pub(crate) fn saturating_i32<N: TryInto<i32>>(n: N) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

/// The database pool attached in [`build`].
fn db<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}

/// The shared loader attached in [`build`].
fn loader<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a DataLoader<AppLoader>> {
    ctx.data::<DataLoader<AppLoader>>()
}

/// Loads one row by key through the shared loader.
async fn load<K>(
    ctx: &Context<'_>,
    key: K,
) -> async_graphql::Result<Option<<AppLoader as async_graphql::dataloader::Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    AppLoader: async_graphql::dataloader::Loader<K, Error = loaders::LoadError>,
{
    Ok(loader(ctx)?.load_one(key).await?)
}

/// Loads a row that a foreign key guarantees; its absence is a server fault, not a client's.
async fn load_required<K>(
    ctx: &Context<'_>,
    key: K,
) -> async_graphql::Result<<AppLoader as async_graphql::dataloader::Loader<K>>::Value>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + std::fmt::Debug + 'static,
    AppLoader: async_graphql::dataloader::Loader<K, Error = loaders::LoadError>,
{
    Ok(load_all_required(ctx, vec![key]).await?.remove(0))
}

/// Loads rows that foreign keys guarantee, in one batch, in the order of `keys`.
async fn load_all_required<K>(
    ctx: &Context<'_>,
    keys: Vec<K>,
) -> async_graphql::Result<Vec<<AppLoader as async_graphql::dataloader::Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + std::fmt::Debug + 'static,
    AppLoader: async_graphql::dataloader::Loader<K, Error = loaders::LoadError>,
{
    let found = loader(ctx)?.load_many(keys.iter().cloned()).await?;
    keys.into_iter()
        .map(|key| match found.get(&key) {
            Some(value) => Ok(value.clone()),
            None => {
                tracing::error!(?key, "a referenced row is missing");
                Err(crate::error::AppError::Database(std::sync::Arc::new(
                    sea_orm::DbErr::RecordNotFound(format!("{key:?}")),
                ))
                .into())
            }
        })
        .collect()
}
