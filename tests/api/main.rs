//! Citynet's integration tests: each test starts the real server on a free port against a fresh
//! temporary SQLite database (or PostgreSQL, see `helpers`) and speaks HTTP or WebSocket to it,
//! asserting on what a client sees. `cli`, `crash` and `data` run the `citynet` binary itself.
//! All modules compile into one test binary (one link step).

// Test code: a failed expectation is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod abuse;
mod auth;
mod bad_input;
mod batching;
mod cli;
mod concurrency;
mod conformance;
mod contract;
mod crash;
mod data;
mod descriptions;
mod explorer;
mod federation;
mod filters;
mod fuzz;
mod graph;
mod helpers;
mod hostile;
mod in_process;
mod lookups;
mod metrics;
mod multipart;
mod nodes;
mod one_write_path;
mod pagination;
mod persisted_queries;
mod planned;
mod playground;
mod rate_limits;
mod readme;
mod request_ids;
mod response_cache;
mod response_shape;
mod root_memberships;
mod schema_file;
mod security;
mod seed_facts;
mod server;
mod sse;
mod subscriptions;
mod traces;
mod traversal;
mod writes;
