//! One GraphQL operation as observed while it runs: its type and name (learnt when its document
//! is parsed), the SQL statements it caused, and, once done, what is counted and logged of it —
//! in `citynet_graphql_operations_total`, and at `warn` when it took longer than
//! `SLOW_QUERY_MS` (name, type, duration, statements, the document's SHA-256; never variables).
//!
//! The record travels with the operation as a task-local, and into the DataLoader batches its
//! resolvers start ([`carried`]): a batch shared by concurrent operations is counted for the one
//! that started it.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicU64, AtomicU8, Ordering},
        Arc, OnceLock,
    },
    time::{Duration, Instant},
};

use async_graphql::{
    parser::types::{ExecutableDocument, OperationType},
    Request,
};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::Metrics;

tokio::task_local! {
    static CURRENT: Arc<Operation>;
}

/// An operation being run.
pub struct Operation {
    started: Instant,
    /// What names the document in the slow-operation log: its text, or the persisted query's
    /// hash (already the text's SHA-256) for a hash-only request.
    document: Document,
    /// Type and name, once the document has parsed and the operation is chosen.
    parsed: OnceLock<(OperationType, Option<String>)>,
    statements: AtomicU64,
    /// Which path executes it, once execution began (the planned path, until it hands the
    /// operation to the resolvers): a [`Path`] as a number, 0 before.
    path: AtomicU8,
    /// Its span (exported only with traces on).
    span: tracing::Span,
    /// When its time limit ends, for a query run under one ([`Operation::time_limit`]).
    deadline: OnceLock<Instant>,
}

enum Document {
    Text(String),
    PersistedHash(String),
    Unknown,
}

impl Operation {
    /// Starts observing `request` (before it runs).
    pub fn start(request: &Request) -> Arc<Self> {
        let document = if !request.query.is_empty() {
            Document::Text(request.query.clone())
        } else {
            match request
                .extensions
                .get("persistedQuery")
                .and_then(|persisted| match persisted {
                    async_graphql::Value::Object(fields) => fields.get("sha256Hash"),
                    _ => None,
                }) {
                Some(async_graphql::Value::String(hash)) => Document::PersistedHash(hash.clone()),
                _ => Document::Unknown,
            }
        };
        Arc::new(Self {
            started: Instant::now(),
            document,
            parsed: OnceLock::new(),
            statements: AtomicU64::new(0),
            path: AtomicU8::new(0),
            span: super::trace::operation(),
            deadline: OnceLock::new(),
        })
    }

    /// Puts the operation under a time limit of `limit` from its start, and returns when it
    /// ends: the executor's timer stops the operation then, and a plan, which can be stopped
    /// only when it returns to the runtime, checks it as it goes ([`deadline`]).
    pub fn time_limit(&self, limit: Duration) -> Instant {
        *self.deadline.get_or_init(|| self.started + limit)
    }

    /// Runs `future` (the operation's execution) with this record as the current one.
    pub async fn run<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        CURRENT
            .scope(self.clone(), future.instrument(self.span.clone()))
            .await
    }

    /// The operation's type and name, once its document has parsed.
    pub fn kind_and_name(&self) -> Option<(&'static str, Option<&str>)> {
        self.parsed
            .get()
            .map(|(kind, name)| (type_label(*kind), name.as_deref()))
    }

    /// Counts the operation (when its document parsed) and logs it when slow.
    pub fn finish(&self, metrics: &Metrics, slow: Duration) {
        let Some((kind, name)) = self.kind_and_name() else {
            return;
        };
        metrics.operation(kind, name);
        if let Some(path) = Path::from_number(self.path.load(Ordering::Relaxed)) {
            metrics.execution(path);
        }
        let elapsed = self.started.elapsed();
        if elapsed >= slow {
            tracing::warn!(
                operation_name = name.unwrap_or(""),
                operation_type = kind,
                duration_ms = elapsed.as_millis() as u64,
                sql_statements = self.statements.load(Ordering::Relaxed),
                document_sha256 = %self.document_sha256(),
                "slow operation"
            );
        }
    }

    fn document_sha256(&self) -> String {
        match &self.document {
            Document::Text(text) => format!("{:x}", Sha256::digest(text.as_bytes())),
            Document::PersistedHash(hash) => hash.clone(),
            Document::Unknown => String::new(),
        }
    }
}

/// The label value of an operation type.
pub fn type_label(kind: OperationType) -> &'static str {
    match kind {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

/// Records, on the current operation, which operation of `document` runs (called by the
/// extension that sees every parsed document).
pub fn parsed(document: &ExecutableDocument, operation_name: Option<&str>) {
    let _ = CURRENT.try_with(|operation| {
        if let Some(selected) = crate::operation::selected(document, operation_name) {
            let name = crate::operation::name(document, operation_name).map(str::to_owned);
            super::trace::name_operation(
                &operation.span,
                type_label(selected.node.ty),
                name.as_deref(),
            );
            let _ = operation.parsed.set((selected.node.ty, name));
        }
    });
}

/// Which path executed an operation (`citynet_graphql_executions_total{path}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// The planned read path (`crate::plan`).
    Planned,
    /// async-graphql's resolvers.
    Resolvers,
}

impl Path {
    fn number(self) -> u8 {
        match self {
            Path::Planned => 1,
            Path::Resolvers => 2,
        }
    }

    fn from_number(number: u8) -> Option<Self> {
        match number {
            1 => Some(Path::Planned),
            2 => Some(Path::Resolvers),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Path::Planned => "planned",
            Path::Resolvers => "resolvers",
        }
    }
}

/// Records, on the current operation, which path executes it (the last call counts: a plan
/// that hands over to the resolvers says so).
pub fn executed_by(path: Path) {
    let _ = CURRENT.try_with(|operation| operation.path.store(path.number(), Ordering::Relaxed));
}

/// When the current operation's time limit ends, if it runs under one.
pub fn deadline() -> Option<Instant> {
    CURRENT
        .try_with(|operation| operation.deadline.get().copied())
        .ok()
        .flatten()
}

/// Counts one SQL statement for the current operation, if any.
pub fn statement_ran() {
    let _ = CURRENT.try_with(|operation| operation.statements.fetch_add(1, Ordering::Relaxed));
}

/// A DataLoader batch as it is observed: it carries the operation that started it (its
/// statements are counted for it) and runs in a span of its own, a child of the operation's
/// (with traces off: in the current span, so that its log lines name the request). The schema
/// gives this to the loader it builds.
pub fn observed_batch(
    batch: futures_util::future::BoxFuture<'static, ()>,
) -> futures_util::future::BoxFuture<'static, ()> {
    use futures_util::FutureExt;
    let span = super::trace::batch();
    let span = if span.is_disabled() {
        tracing::Span::current()
    } else {
        span
    };
    carried(batch).instrument(span).boxed()
}

/// `future` with the current operation (if any) carried along: for work an operation starts in
/// a task of its own (a DataLoader batch).
pub fn carried<F: Future>(future: F) -> impl Future<Output = F::Output> {
    let current = CURRENT.try_with(Arc::clone).ok();
    async move {
        match current {
            Some(operation) => CURRENT.scope(operation, future).await,
            None => future.await,
        }
    }
}
