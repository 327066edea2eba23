//! HTTP: `POST /graphql` (JSON), `GET /graphql` (a query in the URL, the playground for a
//! browser, or a WebSocket upgrade for subscriptions: `graphql-transport-ws`, and the older
//! `graphql-ws`), subscriptions over plain HTTP too (graphql-sse's event streams, Apollo's
//! multipart answers), `GET /health`. Follows the GraphQL-over-HTTP specification. Everything a client
//! can get wrong is answered with a JSON error body carrying a stable `extensions.code`.
//!
//! Every request gets the [`Access`](crate::auth::Access) its `Authorization` header grants (a
//! WebSocket may instead send `{"Authorization": "Bearer …"}` as its `connection_init` payload);
//! mutations check it.
//!
//! This module builds the server and routes; each concern has its own submodule:
//!
//! - `graphql`: the `/graphql` handlers (POST, GET, the WebSocket upgrade), running a request
//!   and choosing the status of its answer;
//! - `operation`: the GraphQL request read out of a POST body or a GET URL, and the refusals of
//!   a malformed one;
//! - `negotiation`: `Content-Type`, `Accept` and `Upgrade`, and the GraphQL response serialised
//!   in the negotiated media type and status;
//! - `errors`: the JSON error bodies the HTTP layer answers by itself;
//! - `client`: who a request comes from (access, rate-limit client, address);
//! - `caching`: `ETag`, `304 Not Modified`, `Cache-Control` and `Vary` on GET query responses;
//! - `rate_limit_headers`: `RateLimit-*` and `Retry-After`;
//! - `request_id`: `X-Request-Id`, the request's tracing span, `extensions.requestId` on errors;
//! - `response_cache`: answering a query from the response cache, and keeping its answer;
//! - `cors`: the CORS policy;
//! - `health`: `/health`, `/ready` and `/metrics`;
//! - `observe`: each request counted and timed, and the error codes of its answer counted;
//! - `executor`: every query operation under the time limit, on every transport;
//! - `connections`: open connections counted per address, and the refusal over the cap;
//! - `websocket`: graphql-transport-ws with its close codes and size caps;
//! - `schema_file`: `GET /graphql/schema.graphql`, the schema in SDL (`SCHEMA_DOWNLOAD`);
//! - `sse`: GraphQL over Server-Sent Events (distinct connections, and `sse::single`'s reserved
//!   streams); `multipart`: Apollo's multipart subscriptions; `streams`: what those and the
//!   WebSocket share (session data, the first step of an operation, unbuffered bodies with
//!   heartbeats);
//! - `playground`: the embedded GraphiQL; `explorer`: the map and graph at `/explore`; both
//!   served from `embedded` files.

mod caching;
mod client;
mod connections;
mod cors;
mod embedded;
mod errors;
mod executor;
mod expect;
mod explorer;
mod graphql;
mod health;
mod multipart;
mod negotiation;
mod observe;
mod operation;
mod playground;
mod rate_limit_headers;
mod request_id;
mod response_cache;
mod schema_file;
mod sse;
mod streams;
mod websocket;

use std::{net::TcpListener, sync::Arc};

use actix_web::{dev::Server, middleware, web, App, HttpServer};
use sea_orm::DatabaseConnection;

use crate::{
    auth::ApiTokens,
    config::{Limits, Settings},
    observe::Metrics,
    schema::{AppSchema, Services, SubscriptionLimits},
};

pub use executor::LimitedExecutor;

/// What the application hands the HTTP server besides the schema.
pub struct Shared {
    pub db: DatabaseConnection,
    pub metrics: Metrics,
    pub services: Services,
}

/// What the handlers share.
struct State {
    executor: LimitedExecutor,
    limits: Limits,
    playground: bool,
    tokens: ApiTokens,
    subscription_limits: Arc<SubscriptionLimits>,
    /// The event streams reserved by graphql-sse clients (single connection mode).
    reservations: Arc<sse::single::Reservations>,
    /// `Cache-Control` of query responses to GET.
    cache_control: String,
    /// The caches, the change feed (the generation a query must reflect), the rate limiter.
    services: Services,
    /// Resolves when the server begins to stop: streamed answers end then, instead of holding
    /// the stop for its whole timeout.
    stopping: actix_server::GracefulShutdownSignal,
}

/// Builds the HTTP server on an already bound listener (port 0 works: the tests use it).
pub fn server(
    listener: TcpListener,
    schema: AppSchema,
    shared: Shared,
    settings: &Settings,
) -> std::io::Result<Server> {
    let Shared {
        db,
        metrics,
        services,
    } = shared;
    let schema_file = web::Data::new(schema_file::SchemaFile::new(schema.sdl()));
    // What `HttpServer` builds, with one more part: the answer to `Expect: 100-continue`.
    let builder = actix_server::Server::build();
    // Stopping drains kept-alive connections as `HttpServer` does: each connection hears it,
    // and each streamed answer ends.
    let shutdown = builder.graceful_shutdown_signal();
    let state = web::Data::new(State {
        executor: LimitedExecutor::new(
            schema,
            settings,
            services.caches.documents.clone(),
            metrics.clone(),
        ),
        limits: settings.limits.clone(),
        playground: settings.playground,
        tokens: settings.api_tokens.clone(),
        subscription_limits: Arc::new(SubscriptionLimits::new(
            settings.limits.max_subscriptions,
            settings.limits.max_subscriptions_per_ip,
            metrics.subscriptions_active().clone(),
        )),
        reservations: Arc::new(sse::single::Reservations::new(
            settings.limits.max_connections,
            settings.limits.max_connections_per_ip,
        )),
        cache_control: settings.cache_control.clone(),
        services,
        stopping: shutdown.clone(),
    });
    let db = web::Data::new(db);
    let metrics = web::Data::new(metrics);
    let origins = settings.cors_allowed_origins.clone();
    let cors_headers = settings.cors_allowed_headers.clone();
    let pages = Pages {
        playground: settings.playground,
        explorer: settings.explorer,
        schema_download: settings.schema_download,
    };
    let metrics_on_main_port = settings.metrics.on_main_port();
    let metrics_token = web::Data::new(health::MetricsToken(settings.metrics.token.clone()));
    let connections = connections::ConnectionLimits::new(settings.limits.max_connections_per_ip);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let address = listener.local_addr()?;
    let body_timeout = settings.limits.body_timeout;
    let max_body_bytes = settings.limits.max_body_bytes;
    let connections = std::sync::Arc::new(connections);
    let app = move || {
        App::new()
            .wrap(middleware::from_fn(connections::refuse_over_limit))
            .wrap(cors::cors(&origins, &cors_headers))
            .wrap(middleware::Compress::default())
            // The access line is written when the body has been sent, after the request's span
            // has closed: it names the request id itself (set on the request as it came in).
            .wrap(
                middleware::Logger::new("%r %s %b %Dms request_id=%{x-request-id}i")
                    .log_target("citynet::http"),
            )
            .wrap(middleware::from_fn(observe::count_requests))
            // Outermost: the id's span covers everything below.
            .wrap(middleware::from_fn(request_id::assign))
            .app_data(state.clone())
            .app_data(db.clone())
            .app_data(metrics.clone())
            .app_data(metrics_token.clone())
            .app_data(schema_file.clone())
            .configure(|config| routes(config, pages, metrics_on_main_port))
    };
    let server = builder
        .workers(workers)
        // actix counts per worker; the total is MAX_CONNECTIONS.
        .max_concurrent_connections(settings.limits.max_connections.div_ceil(workers))
        .listen("citynet", listener, move || {
            let connections = connections.clone();
            let shutdown = shutdown.clone();
            actix_http::HttpService::build()
                .graceful_shutdown_signal(move || {
                    let shutdown = shutdown.clone();
                    async move { shutdown.notified().await }
                })
                .client_request_timeout(body_timeout)
                .client_disconnect_timeout(std::time::Duration::from_secs(1))
                // A client that closes its side of the connection is gone: a response still
                // streaming to it (an event stream, a multipart subscription) is dropped at
                // once, and its subscription with it, instead of at a later failed write.
                .h1_allow_half_closed(false)
                .local_addr(address)
                .on_connect_ext(move |stream: &actix_web::rt::net::TcpStream, extensions| {
                    connections.on_connect(stream, extensions)
                })
                .expect(actix_service::fn_service(move |request| {
                    futures_util::future::ready(expect::continue_or_refuse(request, max_body_bytes))
                }))
                .finish(actix_service::map_config(
                    actix_service::IntoServiceFactory::into_factory(app()),
                    |_| actix_web::dev::AppConfig::default(),
                ))
                .tcp()
        })?
        // The application handles SIGINT/SIGTERM itself (see `app::Shutdown`), from the moment it
        // is built rather than from the server's first poll.
        .disable_signals()
        .shutdown_timeout(10)
        .run();
    Ok(server)
}

/// The listener of its own that serves `GET /metrics` when `METRICS_ADDR` is set (only that;
/// one worker).
pub fn metrics_server(
    listener: TcpListener,
    metrics: Metrics,
    settings: &Settings,
) -> std::io::Result<Server> {
    let metrics = web::Data::new(metrics);
    let token = web::Data::new(health::MetricsToken(settings.metrics.token.clone()));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(metrics.clone())
            .app_data(token.clone())
            .route("/metrics", web::get().to(health::metrics))
            .default_service(web::to(errors::not_found))
    })
    .workers(1)
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(1)
    .run();
    Ok(server)
}

/// The pages for browsers, and the schema file, that are switched on.
#[derive(Clone, Copy)]
struct Pages {
    playground: bool,
    explorer: bool,
    schema_download: bool,
}

/// Every path the server answers; anything else is `404 NOT_FOUND`.
fn routes(config: &mut web::ServiceConfig, pages: Pages, metrics: bool) {
    config
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql::post))
                .route(web::get().to(graphql::get))
                .route(web::put().to(graphql::put))
                .route(web::delete().to(graphql::delete))
                .default_service(web::to(graphql::other_method)),
        )
        .route("/health", web::get().to(health::check))
        .route("/ready", web::get().to(health::ready));
    if pages.schema_download {
        config.route(
            "/graphql/schema.graphql",
            web::get().to(schema_file::download),
        );
    }
    if metrics {
        config.route("/metrics", web::get().to(health::metrics));
    }
    if pages.playground {
        config.route("/playground/{path:.*}", web::get().to(playground::asset));
    }
    if pages.explorer {
        let page = if pages.playground {
            web::get().to(explorer::page)
        } else {
            web::get().to(explorer::page_without_playground)
        };
        config
            .route("/explore", page)
            .route("/explore/{path:.*}", web::get().to(explorer::asset));
    }
    config.default_service(web::to(errors::not_found));
}
