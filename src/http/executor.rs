//! The schema as every transport runs it: each query operation under the time limit, whether it
//! comes alone, in a batch beside a mutation, or over a WebSocket; a WebSocket's queries limited
//! in number while they run.
//!
//! Mutations run to completion instead: stopping a document of several mutations half-way would
//! leave the client unable to tell which of them were written. Each mutation's work is bounded
//! by the input limits, the number of mutations by `MAX_ROOT_FIELDS`, and each SQL statement by
//! the statement deadline (`db::connect`).

use crate::error::{has_code, ErrorCode};
use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use async_graphql::{parser::types::OperationType, Data, Executor, Request, Response};
use futures_util::{
    stream::{self, BoxStream},
    StreamExt,
};
use tokio::sync::Semaphore;

use super::request_id::SocketRequestId;
use crate::{
    cache::Documents,
    config::{Limits, Settings},
    observe::{operation::Operation, Metrics},
    schema::{
        limits::{coded_error, text},
        AppSchema,
    },
};

/// How many query operations one WebSocket connection may run at once; more are refused with
/// `TOO_MANY_OPERATIONS` until one finishes (subscriptions are counted apart).
pub const MAX_QUERIES_IN_FLIGHT_PER_SOCKET: usize = 4;

#[derive(Clone)]
pub struct LimitedExecutor {
    schema: AppSchema,
    /// What a text must measure before it is parsed to learn its operation.
    limits: Arc<Limits>,
    /// Documents parsed before: a known text is not parsed to learn its operation.
    documents: Arc<Documents>,
    timeout: Duration,
    /// Operations that take longer are logged (`SLOW_QUERY_MS`).
    slow: Duration,
    metrics: Metrics,
}

/// The query operations a WebSocket connection runs at the moment; one per connection, in its
/// session data.
#[derive(Clone)]
pub struct QueriesInFlight(Arc<Semaphore>);

impl Default for QueriesInFlight {
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(MAX_QUERIES_IN_FLIGHT_PER_SOCKET)))
    }
}

impl LimitedExecutor {
    pub fn new(
        schema: AppSchema,
        settings: &Settings,
        documents: Arc<Documents>,
        metrics: Metrics,
    ) -> Self {
        Self {
            schema,
            limits: Arc::new(settings.limits.clone()),
            documents,
            timeout: settings.limits.request_timeout,
            slow: settings.slow_query,
            metrics,
        }
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Runs `future` (one operation's execution) observed: counted, and logged when slow.
    async fn observed<F: Future<Output = Response>>(
        &self,
        operation: Arc<Operation>,
        future: F,
    ) -> Response {
        let response = operation.run(future).await;
        operation.finish(&self.metrics, self.slow);
        response
    }

    /// Counts the errors of an answer sent over a WebSocket (the HTTP layer counts its own; it
    /// also sets their `requestId`).
    fn count_errors(&self, response: &Response) {
        for error in &response.errors {
            self.metrics
                .error(crate::error::code_of(error).unwrap_or_default());
        }
    }

    /// A query's answer under the time limit (`None`: the timer stopped it). One that the
    /// database stopped at the same deadline — a statement stopped, a field error
    /// `REQUEST_TIMEOUT` — is answered as stopped too, whichever of the two came first.
    fn within_time_limit(&self, answered: Option<Response>) -> Response {
        match answered {
            Some(response) if !has_code(&response, ErrorCode::RequestTimeout) => response,
            _ => self.timed_out(),
        }
    }

    fn timed_out(&self) -> Response {
        Response::from_errors(vec![coded_error(
            ErrorCode::RequestTimeout,
            format!(
                "The operation took longer than {} ms and was stopped.",
                self.timeout.as_millis()
            ),
        )])
    }
}

impl Executor for LimitedExecutor {
    fn execute(&self, request: Request) -> impl Future<Output = Response> + Send {
        let this = self.clone();
        async move {
            let mut request = request;
            let operation = Operation::start(&request);
            if this.is_mutation(&mut request) {
                return this.observed(operation, this.schema.execute(request)).await;
            }
            let deadline = operation.time_limit(this.timeout);
            let limited = tokio::time::timeout_at(deadline.into(), this.schema.execute(request));
            this.observed(operation, async {
                // The timer stops an execution only when it returns to the runtime: one that
                // finished its last stretch of work past the deadline is stopped all the same.
                let answered = limited.await.ok();
                this.within_time_limit(answered.filter(|_| Instant::now() < deadline))
            })
            .await
        }
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let data = session_data.unwrap_or_default();
        let request_id = data
            .get(&std::any::TypeId::of::<SocketRequestId>())
            .and_then(|id| id.downcast_ref::<SocketRequestId>())
            .map(|id| id.0.clone());
        let operation = text::operation(&mut request, &self.limits, &self.documents);
        let responses = match operation.as_ref().map(|(kind, _)| *kind) {
            Some(OperationType::Subscription) => {
                let name = operation.and_then(|(_, name)| name);
                self.metrics.operation("subscription", name.as_deref());
                self.schema.execute_stream_with_session_data(request, data)
            }
            Some(OperationType::Mutation) => {
                let this = self.clone();
                let operation = Operation::start(&request);
                stream::once(async move {
                    let mut responses = this.schema.execute_stream_with_session_data(request, data);
                    this.observed(operation, async {
                        responses.next().await.unwrap_or_default()
                    })
                    .await
                })
                .boxed()
            }
            // Queries, and documents that do not parse (execution reports why).
            _ => self.query_over_socket(request, data),
        };
        let this = self.clone();
        responses
            .map(move |mut response| {
                this.count_errors(&response);
                if let Some(id) = &request_id {
                    super::request_id::tag(&mut response, id);
                }
                response
            })
            .boxed()
    }
}

impl LimitedExecutor {
    /// A query sent over a WebSocket: under the time limit, and only while the connection runs
    /// fewer than [`MAX_QUERIES_IN_FLIGHT_PER_SOCKET`] others.
    fn query_over_socket(&self, request: Request, data: Arc<Data>) -> BoxStream<'static, Response> {
        let queries = data
            .get(&std::any::TypeId::of::<QueriesInFlight>())
            .and_then(|queries| queries.downcast_ref::<QueriesInFlight>());
        let permit = match queries.map(|queries| queries.0.clone().try_acquire_owned()) {
            Some(Err(_)) => return stream::once(async { too_many_operations() }).boxed(),
            Some(Ok(permit)) => Some(permit),
            None => None,
        };
        let this = self.clone();
        let operation = Operation::start(&request);
        stream::once(async move {
            let _permit = permit;
            let deadline = operation.time_limit(this.timeout);
            let mut responses = this.schema.execute_stream_with_session_data(request, data);
            let limited = tokio::time::timeout_at(deadline.into(), responses.next());
            this.observed(operation, async {
                let answered = limited.await.ok().map(Option::unwrap_or_default);
                this.within_time_limit(answered)
            })
            .await
        })
        .boxed()
    }
}

fn too_many_operations() -> Response {
    Response::from_errors(vec![coded_error(
        ErrorCode::TooManyOperations,
        format!(
            "A connection may run at most {MAX_QUERIES_IN_FLIGHT_PER_SOCKET} queries at once; \
             wait for one to complete."
        ),
    )])
}

impl LimitedExecutor {
    /// True when the operation to run is a mutation. Only documents that mention the word are
    /// looked at here (measured and parsed once, for execution too).
    fn is_mutation(&self, request: &mut Request) -> bool {
        request.query.contains("mutation")
            && text::operation(request, &self.limits, &self.documents)
                .is_some_and(|(kind, _)| kind == OperationType::Mutation)
    }
}
