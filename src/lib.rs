//! Citynet: a GraphQL API over the networks cities form. `ARCHITECTURE.md` at the repository's
//! root describes the read and write paths and the invariants.
//!
//! Map of the crate (arrows: "uses"):
//! - [`config`]: `Settings` from the environment, with embedded defaults.
//! - [`auth`]: API tokens and the guard every mutation passes.
//! - [`changes`]: committed writes, broadcast to subscriptions; its `feed` carries them (and
//!   the write generation) between the instances of one database.
//! - [`cache`] → changes: the response cache (never stale: keyed to the write generation),
//!   parsed documents, automatic persisted queries.
//! - [`telemetry`]: the log subscriber (and the trace exporter).
//! - [`observe`] → cache: Prometheus metrics; each GraphQL operation counted, and logged when
//!   slow.
//! - [`error`]: `ErrorCode`, the one list of client-facing codes, and `AppError`.
//! - [`slug`]: names in URL form.
//! - [`domain`] → error, slug: validated input values (names, slugs, country codes, years,
//!   coordinates, counts), parsed once by any front end.
//! - [`generate`] → `entity`: the synthetic benchmark world (`citynet generate`).
//! - [`data`] → `entity`, domain, service: the records of files (seeds, export, import), and
//!   `citynet export` / `citynet import`.
//! - [`db`] → config, `migration`: the pool, SQLite tuning, migrations.
//! - [`seed`] → `entity`, service: the embedded seed data and its one-transaction loader.
//! - [`loaders`] → `entity`: batched, SQL-paged data access, search and paths.
//! - [`service`] → `entity`, domain, changes: the write path (and the search index's upkeep),
//!   one module per aggregate; each write takes a transaction and returns its record and
//!   `Change`s.
//! - [`rate_limit`]: points per window per client, charged each operation's cost.
//! - [`schema`] → loaders, service, domain, error: the GraphQL types and roots; never imports
//!   actix.
//! - [`http`] → schema: the `/graphql` endpoint, the playground, `/health`.
//! - [`app`] → everything: `Application::build` and `run_until_stopped`.

pub mod app;
pub mod auth;
pub mod cache;
pub mod changes;
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
pub mod rate_limit;
pub mod schema;
pub mod seed;
pub mod service;
pub mod slug;
pub mod telemetry;
