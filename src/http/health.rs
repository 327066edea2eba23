//! The endpoints for operators rather than GraphQL clients: `GET /health` for load balancers
//! and orchestrators, `GET /metrics` for Prometheus (and the benchmark).

use actix_web::{web, HttpResponse};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::{cache::Caches, db::StatementCounter};

/// `GET /health`: 200 when the database answers, 503 when it does not.
pub(super) async fn check(db: web::Data<DatabaseConnection>) -> HttpResponse {
    match db.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok" })),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable" }))
        }
    }
}

/// `GET /metrics`: counters in the Prometheus text format (the benchmark reads the number of
/// SQL statements per request, and the response cache's hits, from it).
pub(super) async fn metrics(
    statements: web::Data<StatementCounter>,
    caches: web::Data<Caches>,
) -> HttpResponse {
    let responses = &caches.responses;
    let mut text = String::new();
    for (name, kind, help, value) in [
        (
            "citynet_sql_statements_total",
            "counter",
            "SQL statements run since the server started.",
            statements.get(),
        ),
        (
            "citynet_response_cache_hits_total",
            "counter",
            "Queries answered from the response cache.",
            responses.hits(),
        ),
        (
            "citynet_response_cache_misses_total",
            "counter",
            "Cacheable queries the response cache could not answer (executed, then kept).",
            responses.misses(),
        ),
        (
            "citynet_response_cache_evictions_total",
            "counter",
            "Answers evicted from the response cache to stay within RESPONSE_CACHE_BYTES.",
            responses.evictions(),
        ),
        (
            "citynet_response_cache_bytes",
            "gauge",
            "Bytes the response cache holds now (answers and bookkeeping).",
            responses.bytes(),
        ),
        (
            "citynet_persisted_queries_hits_total",
            "counter",
            "Hash-only requests whose persisted query was known.",
            caches.persisted.hits(),
        ),
        (
            "citynet_persisted_queries_misses_total",
            "counter",
            "Hash-only requests answered PERSISTED_QUERY_NOT_FOUND.",
            caches.persisted.misses(),
        ),
    ] {
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
}
