//! HTTP: `POST /graphql` (JSON), `GET /graphql` (a query in the URL, or the playground for a
//! browser), `GET /health`. Everything a client can get wrong is answered with a JSON error body
//! carrying a stable `extensions.code`.

use std::net::TcpListener;

use actix_web::{
    dev::Server,
    http::{header, StatusCode},
    middleware, web, App, HttpRequest, HttpResponse, HttpServer,
};
use async_graphql::http::GraphiQLSource;
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::schema::AppSchema;

/// Bodies larger than this are refused with 413 before they are parsed.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Builds the HTTP server on an already bound listener (port 0 works: the tests use it).
pub fn server(
    listener: TcpListener,
    schema: AppSchema,
    db: DatabaseConnection,
) -> std::io::Result<Server> {
    let schema = web::Data::new(schema);
    let db = web::Data::new(db);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::Logger::new("%r %s %b %Dms").log_target("citynet::http"))
            .app_data(schema.clone())
            .app_data(db.clone())
            .app_data(
                web::PayloadConfig::new(MAX_BODY_BYTES), // for `web::Bytes`
            )
            .service(
                web::resource("/graphql")
                    .route(web::post().to(graphql_post))
                    .route(web::get().to(graphql_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .route("/health", web::get().to(health))
            .default_service(web::to(not_found))
    })
    .listen(listener)?
    .run();
    Ok(server)
}

/// `POST /graphql`: a JSON body holding one request or a batch (an array).
async fn graphql_post(
    schema: web::Data<AppSchema>,
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    if !is_json(&req) {
        return request_error(
            StatusCode::BAD_REQUEST,
            "UNSUPPORTED_CONTENT_TYPE",
            "POST /graphql needs `Content-Type: application/json`.",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(err) => {
            let status = err.as_response_error().status_code();
            let (code, message) = if status == StatusCode::PAYLOAD_TOO_LARGE {
                (
                    "PAYLOAD_TOO_LARGE",
                    format!("The request body exceeds {MAX_BODY_BYTES} bytes."),
                )
            } else {
                (
                    "BAD_REQUEST",
                    format!("The request body could not be read: {err}"),
                )
            };
            return request_error(status, code, &message);
        }
    };
    let request: async_graphql::BatchRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("The body is not a GraphQL request in JSON: {err}"),
            )
        }
    };
    let response = schema.execute_batch(request).await;
    graphql_response(&req, response)
}

/// `GET /graphql`: the playground for a browser, otherwise a query in the URL.
async fn graphql_get(schema: web::Data<AppSchema>, req: HttpRequest) -> HttpResponse {
    if accepts_html(&req) {
        return playground();
    }
    let request = match async_graphql::http::parse_query_string(req.query_string()) {
        Ok(request) if request.query.trim().is_empty() => return request_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "GET /graphql needs a `query` parameter (or open it in a browser for the playground).",
        ),
        Ok(request) => request,
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("The URL does not hold a GraphQL request: {err}"),
            )
        }
    };
    let response = schema.execute(request).await;
    graphql_response(&req, response.into())
}

/// Serialises a GraphQL response. Clients that ask for `application/graphql-response+json`
/// get it, with 400 for requests that never executed (parse or validation errors), as the
/// GraphQL-over-HTTP specification says; others get `application/json` and 200.
fn graphql_response(req: &HttpRequest, response: async_graphql::BatchResponse) -> HttpResponse {
    let body = match serde_json::to_vec(&response) {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "could not serialise a GraphQL response");
            return request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "Internal server error",
            );
        }
    };
    let wants_graphql_json = header_contains(req, header::ACCEPT, GRAPHQL_RESPONSE_JSON);
    let never_executed = match &response {
        async_graphql::BatchResponse::Single(single) => {
            single.data == async_graphql::Value::Null && !single.errors.is_empty()
        }
        async_graphql::BatchResponse::Batch(_) => false,
    };
    let (status, content_type) = match (wants_graphql_json, never_executed) {
        (true, true) => (StatusCode::BAD_REQUEST, GRAPHQL_RESPONSE_JSON),
        (true, false) => (StatusCode::OK, GRAPHQL_RESPONSE_JSON),
        (false, _) => (StatusCode::OK, "application/json"),
    };
    let mut builder = HttpResponse::build(status);
    builder.content_type(content_type);
    if let Some(cache_control) = response.cache_control().value() {
        builder.insert_header((header::CACHE_CONTROL, cache_control));
    }
    builder.body(body)
}

/// GraphiQL bound to this server's `/graphql`.
fn playground() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("Citynet playground")
                .finish(),
        )
}

/// `GET /health`: 200 when the database answers, 503 when it does not.
async fn health(db: web::Data<DatabaseConnection>) -> HttpResponse {
    match db.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok" })),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable" }))
        }
    }
}

async fn method_not_allowed() -> HttpResponse {
    let mut response = request_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "/graphql accepts GET and POST.",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("GET, POST"));
    response
}

async fn not_found() -> HttpResponse {
    request_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "Nothing here; the API is at /graphql.",
    )
}

/// A request-level error in the GraphQL response shape: `{"errors":[{message, extensions}]}`.
fn request_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    }))
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
        .unwrap_or(false)
}

fn accepts_html(req: &HttpRequest) -> bool {
    header_contains(req, header::ACCEPT, "text/html")
}

fn header_contains(req: &HttpRequest, name: header::HeaderName, needle: &str) -> bool {
    req.headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.to_ascii_lowercase().contains(needle))
        .unwrap_or(false)
}
