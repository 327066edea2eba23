//! Configuration: one typed `Settings`, read once from the environment (after `.env`), with
//! embedded defaults so that a fresh clone runs with no setup at all. One module per concern:
//! `database` (the URL, held as a secret, and the pool), `limits` (what one request may ask
//! for), `caches` (the response cache, `Cache-Control`), `observability` (logs, metrics,
//! traces) and `security` (CORS); this module holds the settings themselves, the server's
//! own (address, environment, switches) and the parsing shared by all.

mod caches;
mod database;
mod limits;
mod observability;
mod security;

use std::{env, fmt::Display, net::IpAddr, str::FromStr, time::Duration};

use secrecy::{ExposeSecret, SecretString};

use crate::auth::ApiTokens;

pub use caches::DEFAULT_RESPONSE_CACHE_BYTES;
pub use database::{
    redact_url, PlannedReads, DEFAULT_DATABASE_MAX_CONNECTIONS, DEFAULT_DATABASE_URL,
    DEFAULT_PLANNED_READERS,
};
pub use limits::Limits;
pub use observability::{LogFormat, MetricsExposure, TraceExport};
pub use security::{AllowedOrigins, DEFAULT_CORS_ALLOWED_HEADERS};

/// Every setting the server reads. `.env.example` documents each one with its default.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `DATABASE_URL`: `sqlite://…` (default) or `postgres://…`. A secret: it may hold a
    /// password, and `Debug` of the settings prints `[REDACTED]` in its place.
    pub database_url: SecretString,
    /// `DATABASE_MAX_CONNECTIONS`: pool size.
    pub database_max_connections: u32,
    /// `PLANNED_READS`: the driver of the planned path's statements on a SQLite file, `sync`
    /// (default) or `sqlx` (ignored on PostgreSQL and in-memory databases).
    pub planned_reads: PlannedReads,
    /// `PLANNED_READERS`: how many synchronous connections run planned statements at once.
    pub planned_readers: u32,
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
    /// `FEDERATION`: whether the schema is an Apollo Federation subgraph, with `_entities`,
    /// `_service` and their types (default: off).
    pub federation: bool,
    /// `SCHEMA_DOWNLOAD`: whether `GET /graphql/schema.graphql` serves the schema's SDL
    /// (default: on, in production too: the schema is the API's published contract).
    pub schema_download: bool,
    /// `QUERY_PLANNER`: whether query operations the plan covers run planned (default: on);
    /// off, every operation runs the resolvers.
    pub query_planner: bool,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// Operations slower than this many milliseconds are logged (`SLOW_QUERY_MS`).
pub const DEFAULT_SLOW_QUERY_MS: u64 = 500;
pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 8000;
pub const DEFAULT_LOG_FILTER: &str = "info";

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
        database::validate_database_url(&database_url)?;
        let database_url = SecretString::from(database_url);
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
            planned_reads: parse_or(&lookup, "PLANNED_READS", PlannedReads::Sync, "sync or sqlx")?,
            planned_readers: parse_or(
                &lookup,
                "PLANNED_READERS",
                DEFAULT_PLANNED_READERS,
                "a whole number of connections from 1 to 64",
            )
            .and_then(|n| in_range("PLANNED_READERS", n, 1..=64))?,
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
            traces: observability::trace_export(&lookup)?,
            environment,
            introspection: parse_or(&lookup, "INTROSPECTION", development, BOOLEAN)
                .map(|Flag(on)| on)?,
            federation: parse_or(&lookup, "FEDERATION", Flag(false), BOOLEAN).map(|Flag(on)| on)?,
            schema_download: parse_or(&lookup, "SCHEMA_DOWNLOAD", Flag(true), BOOLEAN)
                .map(|Flag(on)| on)?,
            query_planner: parse_or(&lookup, "QUERY_PLANNER", Flag(true), BOOLEAN)
                .map(|Flag(on)| on)?,
            playground: parse_or(&lookup, "PLAYGROUND", development, BOOLEAN).map(|Flag(on)| on)?,
            explorer: parse_or(&lookup, "EXPLORER", Flag(true), BOOLEAN).map(|Flag(on)| on)?,
            cors_allowed_origins: security::allowed_origins(&lookup, environment)?,
            cors_allowed_headers: security::allowed_headers(&lookup)?,
            cache_control: caches::cache_control(&lookup)?,
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
            metrics: observability::metrics_exposure(&lookup, environment)?,
            limits: limits::limits(&lookup)?,
        })
    }

    /// True when the database is SQLite (the embedded default).
    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose_secret().starts_with("sqlite:")
    }
}

pub(crate) const BOOLEAN: &str = "true or false";

/// A boolean setting: true/false, 1/0, yes/no, on/off.
#[derive(Clone, Copy)]
struct Flag(pub(crate) bool);

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

pub(crate) fn string_or(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: &str,
) -> String {
    match lookup(name) {
        Some(value) if !value.trim().is_empty() => value.trim().to_owned(),
        _ => default.to_owned(),
    }
}

pub(crate) fn parse_or<T: FromStr>(
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

pub(crate) fn in_range<T: PartialOrd + Display>(
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
        assert_eq!(s.database_url.expose_secret(), DEFAULT_DATABASE_URL);
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

    #[test]
    fn debug_never_prints_the_database_password() {
        let s = settings(&[(
            "DATABASE_URL",
            "postgres://citynet:s3cret-pw@db:5432/citynet",
        )])
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("s3cret-pw"), "{printed}");
        assert!(printed.contains("REDACTED"), "{printed}");
        assert!(s.database_url.expose_secret().contains("s3cret-pw"));
    }

    /// The variables the code reads (recorded as it asks for them, also with the switches set
    /// that make it ask for more) are exactly those of the README's configuration table and
    /// of `.env.example`.
    #[test]
    fn the_variables_read_are_those_documented() {
        use std::{cell::RefCell, collections::BTreeSet};
        let read = RefCell::new(BTreeSet::new());
        for set in [
            &[][..],
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")][..],
        ] {
            let _ = Settings::from_lookup(|name| {
                read.borrow_mut().insert(name.to_owned());
                set.iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            });
        }
        let read = read.into_inner();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let table = readme
            .split("## Configuration")
            .nth(1)
            .and_then(|section| section.split("\n## ").next())
            .unwrap();
        let documented: BTreeSet<String> = table
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split('`').next())
            .map(str::to_owned)
            .collect();
        let example = std::fs::read_to_string(root.join(".env.example")).unwrap();
        let exampled: BTreeSet<String> = example
            .lines()
            .map(|line| line.trim_start_matches('#').trim())
            .filter_map(|line| line.split_once('='))
            .map(|(name, _)| name.trim())
            .filter(|name| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
            .map(str::to_owned)
            .collect();
        assert_eq!(
            read, documented,
            "read (left) vs the README's table (right)"
        );
        assert_eq!(read, exampled, "read (left) vs .env.example (right)");
    }
}
