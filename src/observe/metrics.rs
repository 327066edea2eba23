//! The Prometheus metrics of one server instance, on a registry of its own (several instances
//! in one process — the tests — never mix their counts). `GET /metrics` renders
//! [`Metrics::render`]; the names are an API (issue 17), listed in the README.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use super::operation::Path;
use prometheus::{
    core::{Collector, Desc},
    proto::{LabelPair, Metric, MetricFamily, MetricType},
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use sea_orm::{DatabaseConnection, DbBackend};

/// At most this many distinct operation names are labels of their own; the rest are counted as
/// `name="other"`, so that clients cannot grow `/metrics` without limit.
pub const MAX_OPERATION_NAMES: usize = 200;

/// Longer operation names (GraphQL sets no bound) are counted as `name="other"` too.
pub const MAX_OPERATION_NAME_LENGTH: usize = 100;

/// Request and statement durations: from 0.5 ms to 10 s.
const DURATION_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Everything counted, and the registry that renders it.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    operations: IntCounterVec,
    operation_names: Mutex<HashSet<String>>,
    executions: IntCounterVec,
    errors: IntCounterVec,
    sql: SqlMetrics,
    subscriptions_active: IntGauge,
    websockets_active: IntGauge,
    streams_active: IntGaugeVec,
}

/// The HTTP transports that stream answers, as labels of `citynet_http_streams_active`.
pub const STREAM_TRANSPORTS: [&str; 2] = ["sse", "multipart"];

/// What every SQL statement adds: its count and its duration.
#[derive(Clone)]
pub struct SqlMetrics {
    statements: IntCounter,
    duration: Histogram,
}

impl SqlMetrics {
    pub fn observe(&self, elapsed: Duration) {
        self.statements.inc();
        self.duration.observe(elapsed.as_secs_f64());
    }

    /// Statements run so far.
    pub fn statements(&self) -> u64 {
        self.statements.get()
    }
}

impl Metrics {
    /// The metrics of a new instance. Fails only on a malformed metric definition (a bug caught
    /// by every test run).
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new(
                "citynet_http_requests_total",
                "HTTP requests answered, by method, route and status.",
            ),
            &["method", "route", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "citynet_http_request_duration_seconds",
                "Time from a request's arrival to its response's head, by route.",
            )
            .buckets(DURATION_BUCKETS.to_vec()),
            &["route"],
        )?;
        let operations = IntCounterVec::new(
            Opts::new(
                "citynet_graphql_operations_total",
                "GraphQL operations run or answered from the cache, by type and name \
                 (at most 200 names; the rest as \"other\").",
            ),
            &["type", "name"],
        )?;
        let executions = IntCounterVec::new(
            Opts::new(
                "citynet_graphql_executions_total",
                "GraphQL operations executed, by the path that ran them: \"planned\" (the \
                 planned read path) or \"resolvers\".",
            ),
            &["path"],
        )?;
        for path in [Path::Planned, Path::Resolvers] {
            executions.with_label_values(&[path.label()]);
        }
        let errors = IntCounterVec::new(
            Opts::new(
                "citynet_graphql_errors_total",
                "Errors sent to clients, by extensions.code.",
            ),
            &["code"],
        )?;
        let sql = SqlMetrics {
            statements: IntCounter::new(
                "citynet_sql_statements_total",
                "SQL statements run for clients since the server started.",
            )?,
            duration: Histogram::with_opts(
                HistogramOpts::new(
                    "citynet_sql_statement_duration_seconds",
                    "Time each SQL statement took, from sending it to its last row.",
                )
                .buckets(DURATION_BUCKETS.to_vec()),
            )?,
        };
        let subscriptions_active = IntGauge::new(
            "citynet_subscriptions_active",
            "GraphQL subscriptions held open now.",
        )?;
        let websockets_active = IntGauge::new(
            "citynet_websocket_connections_active",
            "WebSocket connections open now.",
        )?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(operations.clone()))?;
        registry.register(Box::new(executions.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        registry.register(Box::new(sql.statements.clone()))?;
        registry.register(Box::new(sql.duration.clone()))?;
        registry.register(Box::new(subscriptions_active.clone()))?;
        let streams_active = IntGaugeVec::new(
            Opts::new(
                "citynet_http_streams_active",
                "Streamed HTTP answers open now (Server-Sent Events, multipart), by transport.",
            ),
            &["transport"],
        )?;
        for transport in STREAM_TRANSPORTS {
            streams_active.with_label_values(&[transport]);
        }
        registry.register(Box::new(websockets_active.clone()))?;
        registry.register(Box::new(streams_active.clone()))?;
        #[cfg(target_os = "linux")]
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(Self(Arc::new(Inner {
            registry,
            http_requests,
            http_duration,
            operations,
            operation_names: Mutex::default(),
            executions,
            errors,
            sql,
            subscriptions_active,
            websockets_active,
            streams_active,
        })))
    }

    /// Adds what is read when scraped: the pool's connections and the caches' counts.
    pub fn watch(
        &self,
        db: &DatabaseConnection,
        caches: Arc<dyn CacheCounters>,
    ) -> prometheus::Result<()> {
        self.0
            .registry
            .register(Box::new(PoolConnections::new(db.clone())?))?;
        self.0
            .registry
            .register(Box::new(CacheCounts::new(caches)?))?;
        Ok(())
    }

    pub fn sql(&self) -> &SqlMetrics {
        &self.0.sql
    }

    pub fn subscriptions_active(&self) -> &IntGauge {
        &self.0.subscriptions_active
    }

    pub fn websockets_active(&self) -> &IntGauge {
        &self.0.websockets_active
    }

    /// The gauge of open streamed answers of `transport` (one of [`STREAM_TRANSPORTS`]).
    pub fn streams_active(&self, transport: &str) -> IntGauge {
        self.0.streams_active.with_label_values(&[transport])
    }

    /// One answered HTTP request. `route` is the matched pattern (never the raw path);
    /// `status` its three digits.
    pub fn http_request(&self, method: &str, route: &str, status: &str, elapsed: Duration) {
        self.0
            .http_requests
            .with_label_values(&[method, route, status])
            .inc();
        self.0
            .http_duration
            .with_label_values(&[route])
            .observe(elapsed.as_secs_f64());
    }

    /// One GraphQL operation of `kind` (`query`, `mutation`, `subscription`).
    pub fn operation(&self, kind: &str, name: Option<&str>) {
        let name = self.bounded_name(name.unwrap_or(""));
        self.0.operations.with_label_values(&[kind, name]).inc();
    }

    /// One operation executed by `path`.
    pub fn execution(&self, path: Path) {
        self.0.executions.with_label_values(&[path.label()]).inc();
    }

    /// One error sent to a client, by its `extensions.code` (`""` when it has none).
    pub fn error(&self, code: &str) {
        self.0.errors.with_label_values(&[code]).inc();
    }

    /// `name` when it is among the first [`MAX_OPERATION_NAMES`] seen (and not longer than
    /// [`MAX_OPERATION_NAME_LENGTH`]), else `"other"`.
    fn bounded_name<'n>(&self, name: &'n str) -> &'n str {
        if name.len() > MAX_OPERATION_NAME_LENGTH {
            return "other";
        }
        let mut names = self
            .0
            .operation_names
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if names.contains(name) {
            return name;
        }
        if names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            return name;
        }
        "other"
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.0.registry.gather(), &mut text)?;
        String::from_utf8(text).map_err(|err| prometheus::Error::Msg(err.to_string()))
    }
}

/// `citynet_db_pool_connections{state="idle|in_use"}`, read from the pool when scraped.
struct PoolConnections {
    db: DatabaseConnection,
    desc: Desc,
}

impl PoolConnections {
    fn new(db: DatabaseConnection) -> prometheus::Result<Self> {
        let desc = Desc::new(
            "citynet_db_pool_connections".into(),
            "Connections of the database pool, by state.".into(),
            vec!["state".into()],
            Default::default(),
        )?;
        Ok(Self { db, desc })
    }

    /// `(open, idle)` connections of the pool.
    fn counts(&self) -> (u32, usize) {
        match self.db.get_database_backend() {
            DbBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        }
    }
}

impl Collector for PoolConnections {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let (open, idle) = self.counts();
        let idle = idle as f64;
        let in_use = (f64::from(open) - idle).max(0.0);
        vec![family(
            &self.desc,
            MetricType::GAUGE,
            vec![
                sample(Some(("state", "idle")), idle, MetricType::GAUGE),
                sample(Some(("state", "in_use")), in_use, MetricType::GAUGE),
            ],
        )]
    }
}

/// What the caches count (each keeps its own atomics), as `/metrics` reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub response_hits: u64,
    pub response_misses: u64,
    pub response_evictions: u64,
    pub response_bytes: u64,
    pub persisted_hits: u64,
    pub persisted_misses: u64,
    pub persisted_bytes: u64,
    pub document_bytes: u64,
}

/// Something that can say what the caches count: the caches offer their counters through this,
/// so that metrics need not know the caches.
pub trait CacheCounters: Send + Sync {
    fn stats(&self) -> CacheStats;
}

/// The caches' own counters, read when scraped.
struct CacheCounts {
    caches: Arc<dyn CacheCounters>,
    descs: Vec<(Desc, MetricType)>,
}

/// Name, help and type of each cache metric, in the order [`CacheCounts::values`] reads them.
const CACHE_METRICS: [(&str, &str, MetricType); 8] = [
    (
        "citynet_response_cache_hits_total",
        "Queries answered from the response cache.",
        MetricType::COUNTER,
    ),
    (
        "citynet_response_cache_misses_total",
        "Cacheable queries the response cache could not answer (executed, then kept).",
        MetricType::COUNTER,
    ),
    (
        "citynet_response_cache_evictions_total",
        "Answers evicted from the response cache to stay within RESPONSE_CACHE_BYTES.",
        MetricType::COUNTER,
    ),
    (
        "citynet_response_cache_bytes",
        "Bytes the response cache holds now (answers and bookkeeping).",
        MetricType::GAUGE,
    ),
    (
        "citynet_persisted_queries_hits_total",
        "Hash-only requests whose persisted query was known.",
        MetricType::COUNTER,
    ),
    (
        "citynet_persisted_queries_misses_total",
        "Hash-only requests answered PERSISTED_QUERY_NOT_FOUND.",
        MetricType::COUNTER,
    ),
    (
        "citynet_persisted_queries_bytes",
        "Bytes the persisted queries hold now, as parsed (within PERSISTED_QUERIES_BYTES).",
        MetricType::GAUGE,
    ),
    (
        "citynet_document_cache_bytes",
        "Bytes the parsed-document cache holds now (within DOCUMENT_CACHE_BYTES).",
        MetricType::GAUGE,
    ),
];

impl CacheCounts {
    fn new(caches: Arc<dyn CacheCounters>) -> prometheus::Result<Self> {
        let descs = CACHE_METRICS
            .iter()
            .map(|(name, help, kind)| {
                Desc::new((*name).into(), (*help).into(), vec![], Default::default())
                    .map(|desc| (desc, *kind))
            })
            .collect::<prometheus::Result<_>>()?;
        Ok(Self { caches, descs })
    }

    fn values(&self) -> [u64; 8] {
        let stats = self.caches.stats();
        [
            stats.response_hits,
            stats.response_misses,
            stats.response_evictions,
            stats.response_bytes,
            stats.persisted_hits,
            stats.persisted_misses,
            stats.persisted_bytes,
            stats.document_bytes,
        ]
    }
}

impl Collector for CacheCounts {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().map(|(desc, _)| desc).collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.descs
            .iter()
            .zip(self.values())
            .map(|((desc, kind), value)| {
                family(desc, *kind, vec![sample(None, value as f64, *kind)])
            })
            .collect()
    }
}

fn family(desc: &Desc, kind: MetricType, metrics: Vec<Metric>) -> MetricFamily {
    let mut family = MetricFamily::default();
    family.set_name(desc.fq_name.clone());
    family.set_help(desc.help.clone());
    family.set_field_type(kind);
    family.set_metric(metrics);
    family
}

fn sample(label: Option<(&str, &str)>, value: f64, kind: MetricType) -> Metric {
    let mut metric = Metric::default();
    if kind == MetricType::COUNTER {
        let mut counter = prometheus::proto::Counter::default();
        counter.set_value(value);
        metric.set_counter(counter);
    } else {
        let mut gauge = prometheus::proto::Gauge::default();
        gauge.set_value(value);
        metric.set_gauge(gauge);
    }
    if let Some((name, value)) = label {
        let mut pair = LabelPair::default();
        pair.set_name(name.into());
        pair.set_value(value.into());
        metric.set_label(vec![pair]);
    }
    metric
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_beyond_the_bound_count_as_other() {
        let metrics = Metrics::new().expect("metrics");
        for n in 0..MAX_OPERATION_NAMES + 50 {
            metrics.operation("query", Some(&format!("Op{n}")));
        }
        metrics.operation("query", Some("Op0"));
        metrics.operation("query", Some(&"Long".repeat(100)));
        let text = metrics.render().expect("render");
        let names = text
            .lines()
            .filter(|line| line.starts_with("citynet_graphql_operations_total{"))
            .count();
        assert_eq!(names, MAX_OPERATION_NAMES + 1, "{text}");
        assert!(text.contains(r#"citynet_graphql_operations_total{name="other",type="query"} 51"#));
        assert!(text.contains(r#"citynet_graphql_operations_total{name="Op0",type="query"} 2"#));
    }
}
