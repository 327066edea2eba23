//! The endpoints for operators rather than GraphQL clients: `GET /health` for load balancers
//! and orchestrators, `GET /ready` for readiness, `GET /metrics` for Prometheus (and the
//! benchmark).

use actix_web::{web, HttpRequest, HttpResponse};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::{
    auth::{Access, ApiTokens},
    error::ErrorCode,
    observe::Metrics,
};

/// `GET /health`: liveness — 200 whenever the process answers (the database is `/ready`'s
/// business: a liveness probe that failed with the database would restart healthy processes).
pub(super) async fn check() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// How long `/ready` waits for the database before it answers 503.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// `GET /ready`: 200 when the database answers and every migration is applied, else 503 with
/// the reason — within [`READY_TIMEOUT`], however long the pool would wait for a connection.
pub(super) async fn ready(db: web::Data<DatabaseConnection>) -> HttpResponse {
    let reason = match tokio::time::timeout(READY_TIMEOUT, unready_because(&db)).await {
        Ok(None) => return HttpResponse::Ok().json(json!({ "status": "ready" })),
        Ok(Some(reason)) => reason,
        Err(_) => format!(
            "the database did not answer within {} ms",
            READY_TIMEOUT.as_millis()
        ),
    };
    HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable", "reason": reason }))
}

/// Why the server is not ready, or `None` when it is. The database's own error is logged, not
/// sent.
async fn unready_because(db: &DatabaseConnection) -> Option<String> {
    use migration::MigratorTrait;
    if let Err(err) = db.ping().await {
        tracing::warn!(error = %err, "readiness: database unreachable");
        return Some("the database does not answer".into());
    }
    match migration::Migrator::get_pending_migrations_read_only(db).await {
        Ok(pending) if pending.is_empty() => None,
        Ok(pending) => Some(format!("{} migration(s) not applied", pending.len())),
        Err(err) => {
            tracing::warn!(error = %err, "readiness: cannot read the migrations");
            Some("the migrations cannot be read".into())
        }
    }
}

/// `METRICS_TOKEN`: the bearer token `/metrics` asks for (none when empty).
pub(super) struct MetricsToken(pub ApiTokens);

/// `GET /metrics`: the instance's metrics in the Prometheus text format (the benchmark reads the
/// number of SQL statements per request, and the response cache's hits, from it). With `METRICS_TOKEN`,
/// only for `Authorization: Bearer <token>` (401 `UNAUTHENTICATED` otherwise).
pub(super) async fn metrics(
    req: HttpRequest,
    metrics: web::Data<Metrics>,
    token: web::Data<MetricsToken>,
) -> HttpResponse {
    // With no token configured `access` says "writes disabled": only a configured token guards.
    if !token.0.is_empty() && super::client::access(&token.0, &req) != Access::Writer {
        return super::errors::request_error(
            actix_web::http::StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "/metrics needs `Authorization: Bearer <METRICS_TOKEN>`.",
        );
    }
    match metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4")
            .body(text),
        Err(err) => {
            tracing::error!(error = %err, "could not render the metrics");
            super::errors::internal_server_error()
        }
    }
}
