//! The endpoints for operators rather than GraphQL clients: `GET /health` for load balancers
//! and orchestrators, `GET /metrics` for Prometheus (and the benchmark).

use actix_web::{web, HttpResponse};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::db::StatementCounter;

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
/// SQL statements per request from it).
pub(super) async fn metrics(statements: web::Data<StatementCounter>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(format!(
            "# HELP citynet_sql_statements_total SQL statements run since the server started.\n\
             # TYPE citynet_sql_statements_total counter\n\
             citynet_sql_statements_total {}\n",
            statements.get()
        ))
}
