//! HTTP: `POST /graphql` (JSON), `GET /graphql` (a query in the URL, the playground for a
//! browser, or a WebSocket upgrade for subscriptions: `graphql-transport-ws`, and the older
//! `graphql-ws`), `GET /health`. Follows the GraphQL-over-HTTP specification. Everything a client
//! can get wrong is answered with a JSON error body carrying a stable `extensions.code`.
//!
//! Every request gets the [`Access`] its `Authorization` header grants (a WebSocket may instead
//! send `{"Authorization": "Bearer …"}` as its `connection_init` payload); mutations check it.

mod connections;
mod executor;
mod playground;
mod websocket;

use crate::error::ErrorCode;
use std::{net::TcpListener, panic::AssertUnwindSafe};

use actix_cors::Cors;
use actix_web::{
    dev::Server,
    http::{header, Method, StatusCode},
    middleware, web, App, HttpRequest, HttpResponse, HttpServer,
};
use async_graphql::{parser::types::OperationType, BatchRequest, BatchResponse, Data, Executor};
use futures_util::FutureExt;
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::{
    auth::{Access, ApiTokens},
    config::{AllowedOrigins, Limits, Settings},
    db::StatementCounter,
    rate_limit::{self, ChargeSlot},
    schema::{AppSchema, SubscriptionLimits, SubscriptionSlots},
};

pub use executor::LimitedExecutor;

/// What the handlers share.
struct State {
    executor: LimitedExecutor,
    limits: Limits,
    playground: bool,
    tokens: ApiTokens,
    subscription_limits: std::sync::Arc<SubscriptionLimits>,
}

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Builds the HTTP server on an already bound listener (port 0 works: the tests use it).
pub fn server(
    listener: TcpListener,
    schema: AppSchema,
    db: DatabaseConnection,
    statements: StatementCounter,
    settings: &Settings,
) -> std::io::Result<Server> {
    let state = web::Data::new(State {
        executor: LimitedExecutor::new(schema, settings.limits.request_timeout),
        limits: settings.limits.clone(),
        playground: settings.playground,
        tokens: settings.api_tokens.clone(),
        subscription_limits: std::sync::Arc::new(SubscriptionLimits::new(
            settings.limits.max_subscriptions,
            settings.limits.max_subscriptions_per_ip,
        )),
    });
    let db = web::Data::new(db);
    let statements = web::Data::new(statements);
    let origins = settings.cors_allowed_origins.clone();
    let cors_headers = settings.cors_allowed_headers.clone();
    let playground_enabled = settings.playground;
    let connections = connections::ConnectionLimits::new(settings.limits.max_connections_per_ip);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let server = HttpServer::new(move || {
        let app = App::new()
            .wrap(middleware::from_fn(refuse_connections_over_limit))
            .wrap(cors(&origins, &cors_headers))
            .wrap(middleware::Compress::default())
            .wrap(middleware::Logger::new("%r %s %b %Dms").log_target("citynet::http"))
            .app_data(state.clone())
            .app_data(db.clone())
            .app_data(statements.clone())
            .service(
                web::resource("/graphql")
                    .route(web::post().to(graphql_post))
                    .route(web::get().to(graphql_get))
                    .default_service(web::to(method_not_allowed)),
            )
            .route("/health", web::get().to(health))
            .route("/metrics", web::get().to(metrics));
        let app = if playground_enabled {
            app.route("/playground/{path:.*}", web::get().to(playground::asset))
        } else {
            app
        };
        app.default_service(web::to(not_found))
    })
    .workers(workers)
    // actix counts per worker; the total is MAX_CONNECTIONS.
    .max_connections(settings.limits.max_connections.div_ceil(workers))
    .client_request_timeout(settings.limits.body_timeout)
    .on_connect(move |connection, extensions| connections.on_connect(connection, extensions))
    .listen(listener)?
    // The application handles SIGINT/SIGTERM itself (see `app::Shutdown`), from the moment it
    // is built rather than from the server's first poll.
    .disable_signals()
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

/// CORS from `CORS_ALLOWED_ORIGINS` and `CORS_ALLOWED_HEADERS`: browsers on other origins may
/// POST and GET GraphQL, with the headers GraphQL clients add by themselves.
fn cors(origins: &AllowedOrigins, headers: &[String]) -> Cors {
    let cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST])
        .allowed_headers(headers.iter().map(String::as_str))
        .expose_headers([
            RATE_LIMIT_LIMIT,
            RATE_LIMIT_REMAINING,
            RATE_LIMIT_RESET,
            header::RETRY_AFTER,
        ])
        .max_age(3600);
    match origins {
        AllowedOrigins::Any => cors.allow_any_origin(),
        AllowedOrigins::List(list) => list
            .iter()
            .fold(cors, |cors, origin| cors.allowed_origin(origin)),
    }
}

/// `POST /graphql`: a JSON body holding one request or a batch (an array).
async fn graphql_post(
    state: web::Data<State>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if !is_json(&req) {
        return request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedContentType,
            "POST /graphql needs `Content-Type: application/json`.",
        );
    }
    let body = match read_body(payload, &state.limits).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let request: BatchRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                &format!("The body is not a GraphQL request in JSON: {err}"),
            )
        }
    };
    if let Some(refusal) = refuse_batch(&request, &state.limits) {
        return refusal;
    }
    let request = request.data(access(&state, &req));
    execute(&state, &req, request).await
}

/// The request body, read within `MAX_BODY_BYTES` and `REQUEST_BODY_TIMEOUT_MS`: a client that
/// sends a few bytes and then nothing holds its connection no longer than that.
async fn read_body(payload: web::Payload, limits: &Limits) -> Result<web::Bytes, HttpResponse> {
    let read = payload.to_bytes_limited(limits.max_body_bytes);
    match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(Ok(body))) => Ok(body),
        Ok(Ok(Err(err))) => Err(request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            &format!("The request body could not be read: {err}"),
        )),
        Ok(Err(_too_large)) => Err(request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            &format!("The request body exceeds {} bytes.", limits.max_body_bytes),
        )),
        Err(_) => Err(request_error(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::RequestTimeout,
            &format!(
                "The request body did not arrive within {} ms.",
                limits.body_timeout.as_millis()
            ),
        )),
    }
}

/// Answers `503 TOO_MANY_CONNECTIONS` on a connection that its client address opened beyond
/// `MAX_CONNECTIONS_PER_IP`, and closes it.
async fn refuse_connections_over_limit(
    req: actix_web::dev::ServiceRequest,
    next: middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let over_limit = req
        .conn_data::<connections::OpenConnection>()
        .is_some_and(|connection| connection.over_limit);
    if over_limit {
        let mut response = request_error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TooManyConnections,
            "This address holds too many open connections; close some and retry.",
        );
        response
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req)
        .await
        .map(actix_web::dev::ServiceResponse::map_into_left_body)
}

/// What the request's `Authorization` header grants.
fn access(state: &State, req: &HttpRequest) -> Access {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    state.tokens.access(header)
}

/// The answer refusing a batch over the limit or a request without a query, if the request
/// must be refused; checked before anything runs.
fn refuse_batch(request: &BatchRequest, limits: &Limits) -> Option<HttpResponse> {
    let operations = operations(request);
    if operations.is_empty() || operations.len() > limits.max_batch_operations {
        return Some(request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BatchTooLarge,
            &format!(
                "A batch holds 1 to {} operations; this one holds {}.",
                limits.max_batch_operations,
                operations.len()
            ),
        ));
    }
    if operations.iter().any(|op| op.query.trim().is_empty()) {
        return Some(request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "Every request needs a non-empty `query`.",
        ));
    }
    None
}

/// Runs a request, each query operation under the time limit (see [`executor`]) and charged to
/// its client's rate limit. A panic anywhere below (a bug) becomes a 500 for this request
/// instead of taking the worker down with the other requests it serves. A single operation
/// stopped by the time limit is answered 503; a request whose every operation the rate limit
/// refused, 429 with `Retry-After`.
async fn execute(state: &State, req: &HttpRequest, request: BatchRequest) -> HttpResponse {
    let charge = ChargeSlot::default();
    let request = request
        .data(rate_limit_client(state, req))
        .data(charge.clone());
    let run = AssertUnwindSafe(state.executor.execute_batch(request)).catch_unwind();
    let mut response = match run.await {
        Ok(BatchResponse::Single(response)) if has_code(&response, ErrorCode::RequestTimeout) => {
            request_error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::RequestTimeout,
                &format!(
                    "The request took longer than {} ms and was stopped.",
                    state.limits.request_timeout.as_millis()
                ),
            )
        }
        Ok(response) => {
            let rate_limited = match &response {
                BatchResponse::Single(single) => has_code(single, ErrorCode::RateLimited),
                BatchResponse::Batch(batch) => batch
                    .iter()
                    .all(|single| has_code(single, ErrorCode::RateLimited)),
            };
            let mut http = graphql_response(req, response);
            if rate_limited {
                *http.status_mut() = StatusCode::TOO_MANY_REQUESTS;
                if let Some(charge) = charge.get() {
                    insert_header(&mut http, header::RETRY_AFTER, charge.reset_in_seconds());
                }
            }
            http
        }
        Err(_panic) => {
            tracing::error!("a request panicked; answered 500");
            request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalServerError,
                "Internal server error",
            )
        }
    };
    if let Some(charge) = charge.get() {
        insert_header(&mut response, RATE_LIMIT_LIMIT, charge.limit);
        insert_header(&mut response, RATE_LIMIT_REMAINING, charge.remaining);
        insert_header(&mut response, RATE_LIMIT_RESET, charge.reset_in_seconds());
    }
    response
}

/// The rate-limit headers of the IETF draft (`RateLimit-Reset` in seconds from now).
const RATE_LIMIT_LIMIT: header::HeaderName = header::HeaderName::from_static("ratelimit-limit");
const RATE_LIMIT_REMAINING: header::HeaderName =
    header::HeaderName::from_static("ratelimit-remaining");
const RATE_LIMIT_RESET: header::HeaderName = header::HeaderName::from_static("ratelimit-reset");

fn insert_header(response: &mut HttpResponse, name: header::HeaderName, value: u64) {
    response
        .headers_mut()
        .insert(name, header::HeaderValue::from(value));
}

/// Whom the rate limit charges: the bearer token when it is valid (an invalid one cannot open
/// a fresh budget), else the client's address.
fn rate_limit_client(state: &State, req: &HttpRequest) -> rate_limit::Client {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    match (access(state, req), authorization) {
        (Access::Writer, Some(authorization)) => rate_limit::Client::Token(
            <sha2::Sha256 as sha2::Digest>::digest(authorization.as_bytes()).into(),
        ),
        _ => rate_limit::Client::Address(client_ip(req)),
    }
}

/// True when one of the response's errors carries `code`.
fn has_code(response: &async_graphql::Response, code: ErrorCode) -> bool {
    response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .is_some_and(|value| *value == async_graphql::Value::from(code.as_str()))
    })
}

/// `GET /graphql`: a WebSocket upgrade for subscriptions, the playground for a browser,
/// otherwise a query in the URL. Only queries run over plain GET (GraphQL-over-HTTP): a
/// mutation or subscription gets 405.
async fn graphql_get(
    state: web::Data<State>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if is_websocket_upgrade(&req) {
        return subscriptions(&state, &req, payload);
    }
    if state.playground && accepts_html(&req) {
        return playground::page();
    }
    let request = match async_graphql::http::parse_query_string(req.query_string()) {
        Ok(request) if request.query.trim().is_empty() => return request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "GET /graphql needs a `query` parameter (or open it in a browser for the playground).",
        ),
        Ok(request) => with_operation_name(request, req.query_string()),
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                &format!("The URL does not hold a GraphQL request: {err}"),
            )
        }
    };
    if !is_query_only(&request) {
        let mut response = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "Only queries may be sent with GET; send mutations with POST.",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return response;
    }
    execute(&state, &req, request.into()).await
}

/// The `operationName` URL parameter of GraphQL-over-HTTP (async-graphql's parser reads only
/// `operation_name`).
fn with_operation_name(
    mut request: async_graphql::Request,
    query_string: &str,
) -> async_graphql::Request {
    if request.operation_name.is_none() {
        if let Ok(params) =
            web::Query::<std::collections::HashMap<String, String>>::from_query(query_string)
        {
            request.operation_name = params.get("operationName").cloned();
        }
    }
    request
}

/// Starts a GraphQL WebSocket session (see [`websocket`]). Credentials come from the upgrade
/// request's `Authorization` header, or from the `connection_init` payload, which browsers
/// (unable to set headers on a WebSocket) use.
fn subscriptions(state: &State, req: &HttpRequest, payload: web::Payload) -> HttpResponse {
    let Some(protocol) = websocket::negotiate(req) else {
        return request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "Offer the graphql-transport-ws WebSocket subprotocol.",
        );
    };
    let mut data = Data::default();
    data.insert(access(state, req));
    data.insert(rate_limit_client(state, req));
    data.insert(ChargeSlot::default());
    data.insert(SubscriptionSlots::new(
        state.subscription_limits.clone(),
        client_ip(req),
    ));
    let settings = websocket::SocketSettings {
        executor: state.executor.clone(),
        tokens: state.tokens.clone(),
        max_frame_bytes: state.limits.ws_max_frame_bytes,
        max_message_bytes: state.limits.ws_max_message_bytes,
        init_timeout: state.limits.ws_init_timeout,
    };
    match websocket::start(settings, req, payload, protocol, data) {
        Ok(response) => response,
        Err(err) => request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            &format!("The WebSocket handshake failed: {err}"),
        ),
    }
}

/// The client's address (the peer of the TCP connection), as limits count it (see
/// [`connections::client_address`]).
fn client_ip(req: &HttpRequest) -> std::net::IpAddr {
    req.peer_addr()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |addr| {
            connections::client_address(addr.ip())
        })
}

fn is_websocket_upgrade(req: &HttpRequest) -> bool {
    header_contains(req, header::UPGRADE, "websocket")
}

/// False when the operation to run is a mutation or subscription.
fn is_query_only(request: &async_graphql::Request) -> bool {
    executor::operation_type(request).is_none_or(|ty| ty == OperationType::Query)
}

/// The operations of a single or batched request.
fn operations(request: &BatchRequest) -> Vec<&async_graphql::Request> {
    match request {
        BatchRequest::Single(single) => vec![single],
        BatchRequest::Batch(batch) => batch.iter().collect(),
    }
}

/// Serialises a GraphQL response. Clients that ask for `application/graphql-response+json`
/// get it, with 400 for requests that never executed (parse or validation errors), as the
/// GraphQL-over-HTTP specification says; others get `application/json` and 200.
fn graphql_response(req: &HttpRequest, response: BatchResponse) -> HttpResponse {
    let body = match response_body(&response) {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "could not serialise a GraphQL response");
            return request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalServerError,
                "Internal server error",
            );
        }
    };
    let wants_graphql_json = header_contains(req, header::ACCEPT, GRAPHQL_RESPONSE_JSON);
    let never_executed = match &response {
        BatchResponse::Single(single) => never_ran(single),
        BatchResponse::Batch(_) => false,
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

/// True for a response to a request that failed before execution (parse, validation, limits):
/// no data, and no error that happened at a field (those carry a `path`).
fn never_ran(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// The JSON body. A request that never executed has no `data` entry at all (the GraphQL
/// specification), rather than `"data": null`.
fn response_body(response: &BatchResponse) -> serde_json::Result<Vec<u8>> {
    let strip = |single: &async_graphql::Response| -> serde_json::Result<serde_json::Value> {
        let mut value = serde_json::to_value(single)?;
        if never_ran(single) {
            if let Some(object) = value.as_object_mut() {
                object.remove("data");
            }
        }
        Ok(value)
    };
    match response {
        BatchResponse::Single(single) if never_ran(single) => serde_json::to_vec(&strip(single)?),
        BatchResponse::Batch(batch) if batch.iter().any(never_ran) => {
            let values = batch
                .iter()
                .map(strip)
                .collect::<serde_json::Result<Vec<_>>>()?;
            serde_json::to_vec(&values)
        }
        _ => serde_json::to_vec(response),
    }
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

/// `GET /metrics`: counters in the Prometheus text format (the benchmark reads the number of
/// SQL statements per request from it).
async fn metrics(statements: web::Data<StatementCounter>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(format!(
            "# HELP citynet_sql_statements_total SQL statements run since the server started.\n\
             # TYPE citynet_sql_statements_total counter\n\
             citynet_sql_statements_total {}\n",
            statements.get()
        ))
}

async fn method_not_allowed() -> HttpResponse {
    let mut response = request_error(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
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
        ErrorCode::NotFound,
        "Nothing here; the API is at /graphql.",
    )
}

/// A request-level error in the GraphQL response shape: `{"errors":[{message, extensions}]}`.
fn request_error(status: StatusCode, code: ErrorCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str() } }]
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
