//! Configuration: one typed `Settings`, read once from the environment (after `.env`), with
//! embedded defaults so that a fresh clone runs with no setup at all.

use std::{
    env,
    fmt::Display,
    net::{IpAddr, SocketAddr},
    str::FromStr,
    time::Duration,
};

use crate::auth::ApiTokens;

/// Every setting the server reads. `.env.example` documents each one with its default.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `DATABASE_URL`: `sqlite://…` (default) or `postgres://…`.
    pub database_url: String,
    /// `DATABASE_MAX_CONNECTIONS`: pool size.
    pub database_max_connections: u32,
    /// `HOST`: address to bind.
    pub host: IpAddr,
    /// `PORT`: port to bind; 0 picks a free one (the tests do).
    pub port: u16,
    /// `RUST_LOG`: log filter, e.g. `info` or `info,sqlx::query=debug`.
    pub log_filter: String,
    /// `LOG_FORMAT`: `text` (default, human-readable) or `json` (one JSON object per line).
    pub log_format: LogFormat,
    /// `SLOW_QUERY_MS`: operations that take longer are logged at `warn` (default 500).
    pub slow_query: Duration,
    /// Where spans are exported (OTLP over HTTP), when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; `None`: no spans, at no cost.
    pub traces: Option<TraceExport>,
    /// `CITYNET_ENV`: `development` (default) or `production`, which changes the defaults of
    /// the switches below to the safe side.
    pub environment: Environment,
    /// `INTROSPECTION`: whether the schema can be introspected (default: on in development).
    pub introspection: bool,
    /// `PLAYGROUND`: whether `GET /graphql` serves GraphiQL to browsers (default: on in
    /// development).
    pub playground: bool,
    /// `EXPLORER`: whether `/explore` serves the map and graph of the data (default: on; it uses
    /// only the public API).
    pub explorer: bool,
    /// `CORS_ALLOWED_ORIGINS`: `*`, or a comma-separated list of origins (default: `*` in
    /// development, none in production).
    pub cors_allowed_origins: AllowedOrigins,
    /// `CORS_ALLOWED_HEADERS`: request headers browsers may send from other origins
    /// (default: [`DEFAULT_CORS_ALLOWED_HEADERS`]).
    pub cors_allowed_headers: Vec<String>,
    /// `CACHE_CONTROL`: the `Cache-Control` of query responses to GET (default `no-cache`:
    /// caches may keep them but revalidate every time, by `ETag`).
    pub cache_control: String,
    /// `RESPONSE_CACHE_BYTES`: the bytes of complete query responses kept for identical
    /// requests (default 32 MiB; `0` turns the response cache off). See [`crate::cache`].
    pub response_cache_bytes: u64,
    /// `API_TOKENS`: comma-separated bearer tokens that may write; none (the default) means
    /// the server accepts no writes.
    pub api_tokens: ApiTokens,
    /// Where `GET /metrics` is served: see [`MetricsExposure`].
    pub metrics: MetricsExposure,
    /// Limits on what one request may ask for.
    pub limits: Limits,
}

/// Where `GET /metrics` is served. `METRICS_ADDR` moves it to a listener of its own (not on the
/// main port); `METRICS_TOKEN` (at least 16 characters) requires `Authorization: Bearer <token>`
/// wherever it is served. Without either, development serves it on the main port and production
/// does not serve it at all.
#[derive(Clone, Debug)]
pub struct MetricsExposure {
    /// `METRICS_ADDR`, e.g. `127.0.0.1:9464`.
    pub address: Option<SocketAddr>,
    /// `METRICS_TOKEN`; empty: no token needed.
    pub token: ApiTokens,
    /// False in production without `METRICS_ADDR` or `METRICS_TOKEN`: `/metrics` is not served.
    pub served: bool,
}

impl MetricsExposure {
    /// True when the main port answers `/metrics`.
    pub fn on_main_port(&self) -> bool {
        self.served && self.address.is_none()
    }
}

fn metrics_exposure(
    lookup: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<MetricsExposure, ConfigError> {
    let address = match lookup("METRICS_ADDR").filter(|value| !value.trim().is_empty()) {
        Some(value) => Some(value.trim().parse().map_err(|_| ConfigError {
            variable: "METRICS_ADDR",
            problem: format!("expected an address such as 127.0.0.1:9464, got {value:?}"),
        })?),
        None => None,
    };
    let token =
        ApiTokens::parse(&lookup("METRICS_TOKEN").unwrap_or_default()).map_err(|problem| {
            ConfigError {
                variable: "METRICS_TOKEN",
                problem,
            }
        })?;
    let served = environment == Environment::Development || address.is_some() || !token.is_empty();
    Ok(MetricsExposure {
        address,
        token,
        served,
    })
}

/// Where and as what spans are exported: the standard OpenTelemetry variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceExport {
    /// The URL the spans are posted to: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` followed by `/v1/traces`.
    pub endpoint: String,
    /// `OTEL_SERVICE_NAME` (default `citynet`).
    pub service_name: String,
}

fn trace_export(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<TraceExport>, ConfigError> {
    let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    let (variable, endpoint) = match (
        set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        set("OTEL_EXPORTER_OTLP_ENDPOINT"),
    ) {
        (Some(url), _) => ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url.trim().to_owned()),
        (None, Some(base)) => (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("{}/v1/traces", base.trim().trim_end_matches('/')),
        ),
        (None, None) => return Ok(None),
    };
    if !endpoint.starts_with("http://") {
        return Err(ConfigError {
            variable,
            problem: format!(
                "an http:// URL of an OTLP/HTTP collector (https is not built in: put a local \
                 collector in between), got {endpoint:?}"
            ),
        });
    }
    for variable in [
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    ] {
        if let Some(protocol) = set(variable) {
            if protocol.trim() != "http/protobuf" {
                return Err(ConfigError {
                    variable,
                    problem: format!("only http/protobuf is supported, got {protocol:?}"),
                });
            }
        }
    }
    Ok(Some(TraceExport {
        endpoint,
        service_name: string_or(lookup, "OTEL_SERVICE_NAME", "citynet"),
    }))
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Text,
    /// One JSON object per line: timestamp, level, target, fields (the message), the current
    /// span's fields (the request id) and the spans it is in.
    Json,
}

impl FromStr for LogFormat {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text.to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// Which browser origins may call the API (CORS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedOrigins {
    Any,
    List(Vec<String>),
}

/// What one request may ask for. Each is a setting; the defaults are safe for a public endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `MAX_QUERY_DEPTH`: how deeply fields may nest.
    pub max_depth: usize,
    /// `MAX_QUERY_COMPLEXITY`: the cost limit, where a list's cost is its page size (`first` or
    /// `last`, 100 when neither is given) times the cost of what is selected in it, like
    /// GitHub's node limit.
    pub max_complexity: usize,
    /// `MAX_QUERY_FIELDS`: how many fields one operation may select once every fragment spread
    /// is replaced by the fragment's fields (a fragment spread twice in each of a chain of
    /// fragments doubles with every link).
    pub max_fields: usize,
    /// `MAX_QUERY_ALIASES`: how many aliased fields a document may hold.
    pub max_aliases: usize,
    /// `MAX_ROOT_FIELDS`: how many fields an operation may select at its root.
    pub max_root_fields: usize,
    /// `MAX_QUERY_LENGTH`: the longest query text, in characters.
    pub max_query_length: usize,
    /// `MAX_BATCH_OPERATIONS`: how many operations one batched request may hold.
    pub max_batch_operations: usize,
    /// `MAX_VARIABLES_BYTES`: the largest `variables` object, as JSON.
    pub max_variables_bytes: usize,
    /// `MAX_BODY_BYTES`: the largest request body (larger ones get 413).
    pub max_body_bytes: usize,
    /// `REQUEST_TIMEOUT_MS`: how long one query operation may run, over any transport; also
    /// how long one SQL statement may run before the database stops it.
    pub request_timeout: Duration,
    /// `REQUEST_BODY_TIMEOUT_MS`: how long a client may take to send a request body (and, on
    /// actix's side, its headers) before the request is dropped with 408.
    pub body_timeout: Duration,
    /// `MAX_CONNECTIONS`: open client connections (HTTP and WebSocket) in all.
    pub max_connections: usize,
    /// `MAX_CONNECTIONS_PER_IP`: open client connections from one address; more are answered
    /// 503 `TOO_MANY_CONNECTIONS` and closed.
    pub max_connections_per_ip: usize,
    /// `WS_MAX_MESSAGE_BYTES`: the largest WebSocket message (all its frames); a larger one
    /// closes the socket with 1009.
    pub ws_max_message_bytes: usize,
    /// `WS_MAX_FRAME_BYTES`: the largest WebSocket frame; a larger one closes the socket with
    /// 1009. Browsers send a message as one frame, so this is best left at the message limit.
    pub ws_max_frame_bytes: usize,
    /// `WS_INIT_TIMEOUT_MS`: how long a WebSocket may stay open without `connection_init`
    /// (then closed with 4408).
    pub ws_init_timeout: Duration,
    /// `MAX_SUBSCRIPTIONS`: subscriptions the server holds in all.
    pub max_subscriptions: usize,
    /// `MAX_SUBSCRIPTIONS_PER_IP`: subscriptions one client address holds.
    pub max_subscriptions_per_ip: usize,
    /// `RATE_LIMIT_POINTS`: points one client may spend per window (0: no rate limit).
    pub rate_limit_points: u64,
    /// `RATE_LIMIT_WINDOW_SECS`: the length of a rate-limit window.
    pub rate_limit_window: Duration,
    /// `PERSISTED_QUERIES`: how many automatic persisted queries the server remembers (least
    /// recently used forgotten first).
    pub persisted_queries: usize,
    /// `PERSISTED_QUERIES_BYTES`: the memory the persisted queries may hold in all, as parsed
    /// documents weigh (`cache::weight`).
    pub persisted_queries_bytes: u64,
    /// `DOCUMENT_CACHE_BYTES`: the memory the parsed-document cache may hold (0: every text is
    /// parsed each time).
    pub document_cache_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_complexity: 500_000,
            max_fields: 5_000,
            max_aliases: 100,
            max_root_fields: 30,
            max_query_length: 20_000,
            max_batch_operations: 10,
            max_variables_bytes: 64 * 1024,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 1_024,
            max_connections_per_ip: 256,
            ws_max_message_bytes: 128 * 1024,
            ws_max_frame_bytes: 128 * 1024,
            ws_init_timeout: Duration::from_secs(3),
            max_subscriptions: 10_000,
            max_subscriptions_per_ip: 500,
            rate_limit_points: 50_000,
            rate_limit_window: Duration::from_secs(3_600),
            persisted_queries: 1_000,
            persisted_queries_bytes: 16 * 1024 * 1024,
            document_cache_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Operations slower than this many milliseconds are logged (`SLOW_QUERY_MS`).
pub const DEFAULT_SLOW_QUERY_MS: u64 = 500;

/// The response cache's default size: 32 MiB.
pub const DEFAULT_RESPONSE_CACHE_BYTES: u64 = 32 * 1024 * 1024;
pub const DEFAULT_DATABASE_URL: &str = "sqlite://citynet.db?mode=rwc";
pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 8000;
pub const DEFAULT_LOG_FILTER: &str = "info";
pub const DEFAULT_DATABASE_MAX_CONNECTIONS: u32 = 8;

/// A setting that could not be used; the message names the variable, on one line.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl Settings {
    /// Reads the process environment. Call `dotenvy::dotenv()` first to honour a `.env` file.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply variables without touching the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = string_or(&lookup, "DATABASE_URL", DEFAULT_DATABASE_URL);
        validate_database_url(&database_url)?;
        let environment = match string_or(&lookup, "CITYNET_ENV", "development").as_str() {
            "development" => Environment::Development,
            "production" => Environment::Production,
            other => {
                return Err(ConfigError {
                    variable: "CITYNET_ENV",
                    problem: format!("expected development or production, got {other:?}"),
                })
            }
        };
        let development = Flag(environment == Environment::Development);
        Ok(Self {
            database_url,
            database_max_connections: parse_or(
                &lookup,
                "DATABASE_MAX_CONNECTIONS",
                DEFAULT_DATABASE_MAX_CONNECTIONS,
                "a whole number of connections from 1 to 1000",
            )
            .and_then(|n| in_range("DATABASE_MAX_CONNECTIONS", n, 1..=1000))?,
            host: parse_or(
                &lookup,
                "HOST",
                DEFAULT_HOST.parse().unwrap_or(IpAddr::from([127, 0, 0, 1])),
                "an IP address such as 127.0.0.1 or 0.0.0.0",
            )?,
            port: parse_or(
                &lookup,
                "PORT",
                DEFAULT_PORT,
                "a port number from 0 to 65535",
            )?,
            log_filter: string_or(&lookup, "RUST_LOG", DEFAULT_LOG_FILTER),
            log_format: parse_or(&lookup, "LOG_FORMAT", LogFormat::Text, "text or json")?,
            slow_query: parse_or(
                &lookup,
                "SLOW_QUERY_MS",
                DEFAULT_SLOW_QUERY_MS,
                "a number of milliseconds",
            )
            .map(Duration::from_millis)?,
            traces: trace_export(&lookup)?,
            environment,
            introspection: parse_or(&lookup, "INTROSPECTION", development, BOOLEAN)
                .map(|Flag(on)| on)?,
            playground: parse_or(&lookup, "PLAYGROUND", development, BOOLEAN).map(|Flag(on)| on)?,
            explorer: parse_or(&lookup, "EXPLORER", Flag(true), BOOLEAN).map(|Flag(on)| on)?,
            cors_allowed_origins: allowed_origins(&lookup, environment)?,
            cors_allowed_headers: allowed_headers(&lookup)?,
            cache_control: cache_control(&lookup)?,
            response_cache_bytes: parse_or(
                &lookup,
                "RESPONSE_CACHE_BYTES",
                DEFAULT_RESPONSE_CACHE_BYTES,
                "a number of bytes (0 turns the response cache off)",
            )?,
            api_tokens: ApiTokens::parse(&lookup("API_TOKENS").unwrap_or_default()).map_err(
                |problem| ConfigError {
                    variable: "API_TOKENS",
                    problem,
                },
            )?,
            metrics: metrics_exposure(&lookup, environment)?,
            limits: limits(&lookup)?,
        })
    }

    /// True when the database is SQLite (the embedded default).
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

const BOOLEAN: &str = "true or false";

/// A boolean setting: true/false, 1/0, yes/no, on/off.
#[derive(Clone, Copy)]
struct Flag(bool);

impl FromStr for Flag {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Flag(true)),
            "false" | "0" | "no" | "off" => Ok(Flag(false)),
            _ => Err(()),
        }
    }
}

/// The request headers GraphQL clients send by themselves: content negotiation and credentials,
/// Apollo's client awareness, W3C trace context and baggage, Sentry's trace, request ids.
pub const DEFAULT_CORS_ALLOWED_HEADERS: &str = "content-type,accept,authorization,\
apollographql-client-name,apollographql-client-version,apollo-require-preflight,traceparent,\
tracestate,baggage,sentry-trace,x-request-id";

fn cache_control(lookup: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let value = string_or(lookup, "CACHE_CONTROL", "no-cache");
    match actix_web::http::header::HeaderValue::from_str(value.trim()) {
        Ok(_) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
        _ => Err(ConfigError {
            variable: "CACHE_CONTROL",
            problem: format!("expected a Cache-Control header value, got {value:?}"),
        }),
    }
}

fn allowed_headers(lookup: &impl Fn(&str) -> Option<String>) -> Result<Vec<String>, ConfigError> {
    let value = string_or(lookup, "CORS_ALLOWED_HEADERS", DEFAULT_CORS_ALLOWED_HEADERS);
    let headers: Vec<String> = value
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    match headers
        .iter()
        .find(|name| actix_web::http::header::HeaderName::try_from(name.as_str()).is_err())
    {
        Some(bad) => Err(ConfigError {
            variable: "CORS_ALLOWED_HEADERS",
            problem: format!("expected comma-separated header names, got {bad:?}"),
        }),
        None => Ok(headers),
    }
}

fn allowed_origins(
    lookup: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<AllowedOrigins, ConfigError> {
    let Some(value) = lookup("CORS_ALLOWED_ORIGINS") else {
        return Ok(match environment {
            Environment::Development => AllowedOrigins::Any,
            Environment::Production => AllowedOrigins::List(Vec::new()),
        });
    };
    if value.trim() == "*" {
        return Ok(AllowedOrigins::Any);
    }
    let origins: Vec<String> = value
        .split(',')
        .map(|origin| origin.trim().trim_end_matches('/').to_owned())
        .filter(|origin| !origin.is_empty())
        .collect();
    for origin in &origins {
        if !(origin.starts_with("http://") || origin.starts_with("https://")) {
            return Err(ConfigError {
                variable: "CORS_ALLOWED_ORIGINS",
                problem: format!(
                    "expected * or origins such as https://example.org, got {origin:?}"
                ),
            });
        }
    }
    Ok(AllowedOrigins::List(origins))
}

fn limits(lookup: &impl Fn(&str) -> Option<String>) -> Result<Limits, ConfigError> {
    let defaults = Limits::default();
    let count = |name: &'static str, default: usize| {
        parse_or(lookup, name, default, "a whole number greater than 0")
            .and_then(|n| in_range(name, n, 1..=usize::MAX))
    };
    let millis = |name: &'static str, default: Duration| {
        count(name, default.as_millis() as usize).map(|ms| Duration::from_millis(ms as u64))
    };
    Ok(Limits {
        max_depth: count("MAX_QUERY_DEPTH", defaults.max_depth)?,
        max_complexity: count("MAX_QUERY_COMPLEXITY", defaults.max_complexity)?,
        max_fields: count("MAX_QUERY_FIELDS", defaults.max_fields)?,
        max_aliases: count("MAX_QUERY_ALIASES", defaults.max_aliases)?,
        max_root_fields: count("MAX_ROOT_FIELDS", defaults.max_root_fields)?,
        max_query_length: count("MAX_QUERY_LENGTH", defaults.max_query_length)?,
        max_batch_operations: count("MAX_BATCH_OPERATIONS", defaults.max_batch_operations)?,
        max_variables_bytes: count("MAX_VARIABLES_BYTES", defaults.max_variables_bytes)?,
        max_body_bytes: count("MAX_BODY_BYTES", defaults.max_body_bytes)?,
        request_timeout: millis("REQUEST_TIMEOUT_MS", defaults.request_timeout)?,
        // actix-http times request heads on a clock it refreshes every 500 ms, so a shorter
        // limit would refuse prompt clients.
        body_timeout: millis("REQUEST_BODY_TIMEOUT_MS", defaults.body_timeout).and_then(
            |limit| {
                in_range(
                    "REQUEST_BODY_TIMEOUT_MS",
                    limit.as_millis(),
                    1000..=u128::MAX,
                )
                .map(|_| limit)
            },
        )?,
        max_connections: count("MAX_CONNECTIONS", defaults.max_connections)?,
        max_connections_per_ip: count("MAX_CONNECTIONS_PER_IP", defaults.max_connections_per_ip)?,
        ws_max_message_bytes: count("WS_MAX_MESSAGE_BYTES", defaults.ws_max_message_bytes)?,
        ws_max_frame_bytes: count("WS_MAX_FRAME_BYTES", defaults.ws_max_frame_bytes)?,
        ws_init_timeout: millis("WS_INIT_TIMEOUT_MS", defaults.ws_init_timeout)?,
        max_subscriptions: count("MAX_SUBSCRIPTIONS", defaults.max_subscriptions)?,
        max_subscriptions_per_ip: count(
            "MAX_SUBSCRIPTIONS_PER_IP",
            defaults.max_subscriptions_per_ip,
        )?,
        rate_limit_points: parse_or(
            lookup,
            "RATE_LIMIT_POINTS",
            defaults.rate_limit_points,
            "a whole number of points (0 turns rate limiting off)",
        )?,
        rate_limit_window: Duration::from_secs(count(
            "RATE_LIMIT_WINDOW_SECS",
            defaults.rate_limit_window.as_secs() as usize,
        )? as u64),
        persisted_queries: count("PERSISTED_QUERIES", defaults.persisted_queries)?,
        persisted_queries_bytes: parse_or(
            lookup,
            "PERSISTED_QUERIES_BYTES",
            defaults.persisted_queries_bytes,
            "a number of bytes",
        )?,
        document_cache_bytes: parse_or(
            lookup,
            "DOCUMENT_CACHE_BYTES",
            defaults.document_cache_bytes,
            "a number of bytes (0: no document cache)",
        )?,
    })
}

fn string_or(lookup: &impl Fn(&str) -> Option<String>, name: &str, default: &str) -> String {
    match lookup(name) {
        Some(value) if !value.trim().is_empty() => value.trim().to_owned(),
        _ => default.to_owned(),
    }
}

fn parse_or<T: FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    expected: &str,
) -> Result<T, ConfigError> {
    match lookup(name) {
        Some(value) if !value.trim().is_empty() => value.trim().parse().map_err(|_| ConfigError {
            variable: name,
            problem: format!("expected {expected}, got {value:?}"),
        }),
        _ => Ok(default),
    }
}

fn in_range<T: PartialOrd + Display>(
    name: &'static str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError {
            variable: name,
            problem: format!(
                "expected a value from {} to {}, got {value}",
                range.start(),
                range.end()
            ),
        })
    }
}

fn validate_database_url(url: &str) -> Result<(), ConfigError> {
    let supported = ["sqlite:", "postgres://", "postgresql://"];
    if supported.iter().any(|scheme| url.starts_with(scheme)) {
        Ok(())
    } else {
        Err(ConfigError {
            variable: "DATABASE_URL",
            problem: format!(
                "expected a sqlite:// or postgres:// URL, got {:?}",
                redact_url(url)
            ),
        })
    }
}

/// The URL with any password replaced, safe to print in logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(s.host.to_string(), "127.0.0.1");
        assert_eq!(s.port, 8000);
        assert_eq!(s.log_filter, "info");
        assert!(s.is_sqlite());
        assert!(
            s.api_tokens.is_empty(),
            "writes are off unless tokens are set"
        );
    }

    #[test]
    fn traces_follow_the_standard_opentelemetry_variables() {
        assert_eq!(settings(&[]).expect("defaults").traces, None);
        let base = settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/")])
            .expect("valid")
            .traces
            .expect("on");
        assert_eq!(base.endpoint, "http://127.0.0.1:4318/v1/traces");
        assert_eq!(base.service_name, "citynet");
        let exact = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/custom"),
            ("OTEL_SERVICE_NAME", "citynet-eu"),
        ])
        .expect("valid")
        .traces
        .expect("on");
        assert_eq!(exact.endpoint, "http://c:4318/custom");
        assert_eq!(exact.service_name, "citynet-eu");
        for (variable, value) in [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ] {
            let err = settings(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                (variable, value),
            ])
            .unwrap_err();
            assert_eq!(err.variable, variable, "{err}");
        }
    }

    #[test]
    fn a_bad_port_names_the_variable() {
        let err = settings(&[("PORT", "eighty")]).unwrap_err();
        assert_eq!(err.variable, "PORT");
        assert!(err.to_string().starts_with("PORT: "), "{err}");
        assert!(!err.to_string().contains('\n'));
    }

    #[test]
    fn bad_host_url_and_pool_size_are_rejected() {
        assert_eq!(
            settings(&[("HOST", "local host")]).unwrap_err().variable,
            "HOST"
        );
        assert_eq!(
            settings(&[("DATABASE_URL", "mysql://x")])
                .unwrap_err()
                .variable,
            "DATABASE_URL"
        );
        assert_eq!(
            settings(&[("DATABASE_MAX_CONNECTIONS", "0")])
                .unwrap_err()
                .variable,
            "DATABASE_MAX_CONNECTIONS"
        );
    }

    #[test]
    fn production_switches_off_introspection_playground_and_cors() {
        let dev = settings(&[]).unwrap();
        assert!(dev.introspection && dev.playground);
        assert_eq!(dev.cors_allowed_origins, AllowedOrigins::Any);
        let prod = settings(&[("CITYNET_ENV", "production")]).unwrap();
        assert!(!prod.introspection && !prod.playground);
        assert_eq!(prod.cors_allowed_origins, AllowedOrigins::List(vec![]));
        let explicit = settings(&[
            ("CITYNET_ENV", "production"),
            ("PLAYGROUND", "on"),
            (
                "CORS_ALLOWED_ORIGINS",
                "https://a.example, https://b.example/",
            ),
        ])
        .unwrap();
        assert!(explicit.playground && !explicit.introspection);
        assert_eq!(
            explicit.cors_allowed_origins,
            AllowedOrigins::List(vec!["https://a.example".into(), "https://b.example".into()])
        );
    }

    #[test]
    fn limits_have_safe_defaults_and_reject_nonsense() {
        let s = settings(&[("MAX_QUERY_DEPTH", "12"), ("REQUEST_TIMEOUT_MS", "250")]).unwrap();
        assert_eq!(s.limits.max_depth, 12);
        assert_eq!(s.limits.request_timeout, Duration::from_millis(250));
        assert_eq!(s.limits.max_complexity, Limits::default().max_complexity);
        for (variable, value) in [
            ("MAX_QUERY_DEPTH", "0"),
            ("MAX_QUERY_COMPLEXITY", "-5"),
            ("INTROSPECTION", "maybe"),
            ("CITYNET_ENV", "staging"),
            ("CORS_ALLOWED_ORIGINS", "example.org"),
            ("API_TOKENS", "too-short"),
            ("CORS_ALLOWED_HEADERS", "x-ok, not a header"),
            ("REQUEST_BODY_TIMEOUT_MS", "300"),
        ] {
            assert_eq!(
                settings(&[(variable, value)]).unwrap_err().variable,
                variable
            );
        }
    }

    #[test]
    fn passwords_never_print() {
        assert_eq!(
            redact_url("postgres://citynet:secret@db:5432/citynet"),
            "postgres://citynet:***@db:5432/citynet"
        );
        assert_eq!(redact_url("sqlite://citynet.db"), "sqlite://citynet.db");
    }
}
