//! Citynet's integration tests: each test starts the real server on a free port against a fresh
//! temporary SQLite database and speaks HTTP to it, asserting on what a client sees.
//! All modules compile into one test binary (one link step).

mod abuse;
mod auth;
mod bad_input;
mod batching;
mod contract;
mod filters;
mod fuzz;
mod graph;
mod helpers;
mod nodes;
mod pagination;
mod seed_facts;
mod server;
mod subscriptions;
mod traversal;
mod writes;
