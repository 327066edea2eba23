//! What one request may ask for: sizes, depths, costs, times, connections, subscriptions, the
//! rate limit and the document caches' budgets.

use std::time::Duration;

use super::{in_range, parse_or, ConfigError};

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

pub(super) fn limits(lookup: &impl Fn(&str) -> Option<String>) -> Result<Limits, ConfigError> {
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
