//! Citynet: a GraphQL API over the networks cities form. `ARCHITECTURE.md` at the repository's
//! root describes the read and write paths and the invariants.
//!
//! Map of the crate (arrows: "uses"):
//! - [`config`]: `Settings` from the environment, with embedded defaults, one module per concern.
//! - [`auth`]: API tokens and the guard every mutation passes.
//! - [`lexical`], [`operation`]: leaves: GraphQL's comment and string rules; which operation a
//!   document runs.
//! - [`changes`]: committed writes, broadcast to subscriptions (within a fan-out budget); its
//!   `feed` carries them (and the write generation) between the instances of one database.
//! - [`observe`] → operation: Prometheus metrics; each GraphQL operation counted, and logged
//!   when slow; the caches report to it through `CacheCounters`.
//! - [`cache`] → changes, lexical, operation, observe: the response cache (never stale: keyed
//!   to the write generation), parsed documents, automatic persisted queries, all within byte
//!   budgets.
//! - [`telemetry`]: the log subscriber (and the trace exporter).
//! - [`cli`]: the command line (clap), turned into the plain types of the modules it runs.
//! - [`error`]: `ErrorCode`, the one list of client-facing codes, and `AppError`.
//! - [`slug`]: names in URL form.
//! - [`domain`] → error, slug: validated input values (names, slugs, country codes, years,
//!   coordinates, counts), parsed once by any front end.
//! - [`db`] → config, `migration`: the pool, SQLite tuning, migrations.
//! - [`loaders`] → `entity`: batched, SQL-paged data access, search and paths.
//! - [`service`] → `entity`, domain, changes, loaders: the one write path — rows built and
//!   written in `rows`, cross-record `rules`, the unit of work in `write` — one module per
//!   aggregate; each write takes a transaction and returns its record and `Change`s.
//! - [`data`] → domain, service: the records of files (seeds, export, import), and
//!   `citynet export` / `citynet import`.
//! - [`seed`] → data: the embedded seed data, imported in one transaction.
//! - [`generate`] → service: the synthetic benchmark world (`citynet generate`).
//! - [`rate_limit`]: points per window per client, charged each operation's cost.
//! - [`schema`] → loaders, service, domain, cache, observe, error: the GraphQL types and roots;
//!   never imports actix, builds no SQL.
//! - [`http`] → schema: the `/graphql` endpoint, the playground and explorer, `/health`,
//!   `/ready`, `/metrics`.
//! - [`app`] → everything: `Application::build` and `run_until_stopped`.

pub mod app;
pub mod auth;
pub mod cache;
pub mod changes;
pub mod cli;
pub mod config;
pub mod data;
pub mod db;
pub mod domain;
pub mod error;
pub mod generate;
pub mod http;
pub mod lexical;
pub mod loaders;
pub mod observe;
pub mod operation;
pub mod plan;
pub mod rate_limit;
pub mod schema;
pub mod seed;
pub mod service;
pub mod slug;
pub mod telemetry;
