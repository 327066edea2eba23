//! The schema as every transport runs it: each query operation under the time limit, whether it
//! comes alone, in a batch beside a mutation, or over a WebSocket; a WebSocket's queries limited
//! in number while they run.
//!
//! Mutations run to completion instead: stopping a document of several mutations half-way would
//! leave the client unable to tell which of them were written. Each mutation's work is bounded
//! by the input limits, the number of mutations by `MAX_ROOT_FIELDS`, and each SQL statement by
//! the statement deadline (`db::connect`).

use crate::error::ErrorCode;
use std::{future::Future, sync::Arc, time::Duration};

use async_graphql::{parser::types::OperationType, Data, Executor, Request, Response};
use futures_util::{
    stream::{self, BoxStream},
    StreamExt,
};
use tokio::sync::Semaphore;

use crate::schema::{limits::coded_error, AppSchema};

/// How many query operations one WebSocket connection may run at once; more are refused with
/// `TOO_MANY_OPERATIONS` until one finishes (subscriptions are counted apart).
pub const MAX_QUERIES_IN_FLIGHT_PER_SOCKET: usize = 4;

#[derive(Clone)]
pub struct LimitedExecutor {
    schema: AppSchema,
    timeout: Duration,
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
    pub fn new(schema: AppSchema, timeout: Duration) -> Self {
        Self { schema, timeout }
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
            if is_mutation(&request) {
                return this.schema.execute(request).await;
            }
            match tokio::time::timeout(this.timeout, this.schema.execute(request)).await {
                Ok(response) => response,
                Err(_) => this.timed_out(),
            }
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let data = session_data.unwrap_or_default();
        match operation_type(&request) {
            Some(OperationType::Subscription) => {
                self.schema.execute_stream_with_session_data(request, data)
            }
            Some(OperationType::Mutation) => {
                let schema = self.schema.clone();
                stream::once(async move {
                    let mut responses = schema.execute_stream_with_session_data(request, data);
                    responses.next().await.unwrap_or_default()
                })
                .boxed()
            }
            // Queries, and documents that do not parse (execution reports why).
            _ => self.query_over_socket(request, data),
        }
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
        stream::once(async move {
            let _permit = permit;
            let mut responses = this.schema.execute_stream_with_session_data(request, data);
            match tokio::time::timeout(this.timeout, responses.next()).await {
                Ok(response) => response.unwrap_or_default(),
                Err(_) => this.timed_out(),
            }
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

/// The type of the operation `request` runs, or `None` when the document does not parse or
/// names no operation it holds (execution then reports the error).
pub fn operation_type(request: &Request) -> Option<OperationType> {
    let document = async_graphql::parser::parse_query(&request.query).ok()?;
    crate::schema::operation::selected(&document, request.operation_name.as_deref())
        .map(|operation| operation.node.ty)
}

/// True when the operation to run is a mutation. Only documents that mention the word are
/// parsed here, so queries (the hot path) are not parsed twice.
pub fn is_mutation(request: &Request) -> bool {
    request.query.contains("mutation") && operation_type(request) == Some(OperationType::Mutation)
}
