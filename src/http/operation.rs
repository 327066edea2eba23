//! The GraphQL request inside an HTTP request, and the refusals of a malformed one before
//! anything runs: a POST body (read within `MAX_BODY_BYTES` and `REQUEST_BODY_TIMEOUT_MS`,
//! one request or a batch of 1 to `MAX_BATCH_OPERATIONS`, each with a query) or the query in a
//! GET URL (queries only, as GraphQL-over-HTTP says).

use std::collections::HashMap;

use actix_web::{http::StatusCode, web, HttpResponse};
use async_graphql::{parser::types::OperationType, BatchRequest, Request};

use super::errors;
use crate::schema::{
    limits::{text, ViaGet},
    SUBSCRIPTION_TRANSPORTS,
};
use crate::{cache::Documents, config::Limits, error::ErrorCode};

/// The request or batch a POST body holds, or the answer refusing it.
pub(super) async fn from_body(
    payload: web::Payload,
    limits: &Limits,
) -> Result<BatchRequest, HttpResponse> {
    let body = read_body(payload, limits).await?;
    let request = decode(&body).map_err(|refusal| *refusal)?;
    match refuse_batch(&request, limits) {
        Some(refusal) => Err(refusal),
        None => Ok(request),
    }
}

/// The request body, read within `MAX_BODY_BYTES` and `REQUEST_BODY_TIMEOUT_MS`: a client that
/// sends a few bytes and then nothing holds its connection no longer than that.
async fn read_body(payload: web::Payload, limits: &Limits) -> Result<web::Bytes, HttpResponse> {
    let read = payload.to_bytes_limited(limits.max_body_bytes);
    match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(Ok(body))) => Ok(body),
        Ok(Ok(Err(err))) => Err(errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            &format!("The request body could not be read: {err}"),
        )),
        Ok(Err(_too_large)) => Err(errors::request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            &format!("The request body exceeds {} bytes.", limits.max_body_bytes),
        )),
        Err(_) => Err(errors::request_error(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::RequestTimeout,
            &format!(
                "The request body did not arrive within {} ms.",
                limits.body_timeout.as_millis()
            ),
        )),
    }
}

/// The body as JSON: one GraphQL request, or an array of them (the refusal boxed: it is large).
fn decode(body: &[u8]) -> Result<BatchRequest, Box<HttpResponse>> {
    serde_json::from_slice(body).map_err(|err| {
        Box::new(errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            &format!("The body is not a GraphQL request in JSON: {err}"),
        ))
    })
}

/// The answer refusing a batch over the limit or a request without a query, if the request
/// must be refused; checked before anything runs.
fn refuse_batch(request: &BatchRequest, limits: &Limits) -> Option<HttpResponse> {
    let operations = operations(request);
    if operations.is_empty() || operations.len() > limits.max_batch_operations {
        return Some(errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BatchTooLarge,
            &format!(
                "A batch holds 1 to {} operations; this one holds {}.",
                limits.max_batch_operations,
                operations.len()
            ),
        ));
    }
    if operations.iter().any(|op| lacks_query(op)) {
        return Some(errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "Every request needs a non-empty `query` (or a persisted query's hash in \
             `extensions.persistedQuery`).",
        ));
    }
    None
}

/// True for a request with neither a query nor a persisted query's hash (Apollo's automatic
/// persisted queries send the hash alone first).
fn lacks_query(request: &Request) -> bool {
    request.query.trim().is_empty() && !request.extensions.contains_key("persistedQuery")
}

/// The operations of a single or batched request.
fn operations(request: &BatchRequest) -> Vec<&Request> {
    match request {
        BatchRequest::Single(single) => vec![single],
        BatchRequest::Batch(batch) => batch.iter().collect(),
    }
}

/// The query a GET URL holds, or the answer refusing it: no query, an unreadable URL, or a
/// mutation (`405`, since those need POST) or a subscription (`405` naming the transports that
/// carry them) — but on an event stream (`via`), which carries subscriptions. The refusal is
/// boxed: it is large. `playground`: whether the refusal of a URL without a query may point to
/// the playground.
pub(super) fn from_query_string(
    query_string: &str,
    limits: &Limits,
    documents: &Documents,
    via: ViaGet,
    playground: bool,
) -> Result<Request, Box<HttpResponse>> {
    let request = match async_graphql::http::parse_query_string(query_string) {
        Ok(request) if lacks_query(&request) => {
            let message = if playground && via == ViaGet::Plain {
                "GET /graphql needs a `query` parameter (or open it in a browser for the \
                 playground)."
            } else {
                "GET /graphql needs a `query` parameter."
            };
            return Err(Box::new(errors::request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                message,
            )));
        }
        Ok(request) => with_operation_name(request, query_string),
        Err(err) => {
            return Err(Box::new(errors::request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                &format!("The URL does not hold a GraphQL request: {err}"),
            )))
        }
    };
    let mut request = request;
    match text::operation(&mut request, limits, documents).map(|(kind, _)| kind) {
        Some(OperationType::Mutation) => {
            return Err(Box::new(errors::method_not_allowed(
                "POST",
                "Only queries may be sent with GET; send mutations with POST.",
            )))
        }
        Some(OperationType::Subscription) if via == ViaGet::Plain => {
            return Err(Box::new(errors::method_not_allowed(
                "POST",
                SUBSCRIPTION_TRANSPORTS,
            )))
        }
        // The text is measured before it is parsed, and parsed once for execution too; one
        // refused by the measure is refused when it runs.
        _ => {}
    }
    // A persisted query's operation is known only once its hash is resolved; the schema's
    // limits refuse a mutation then.
    Ok(request.data(via))
}

/// The `operationName` URL parameter of GraphQL-over-HTTP (async-graphql's parser reads only
/// `operation_name`).
fn with_operation_name(mut request: Request, query_string: &str) -> Request {
    if request.operation_name.is_none() {
        if let Ok(params) = web::Query::<HashMap<String, String>>::from_query(query_string) {
            request.operation_name = params.get("operationName").cloned();
        }
    }
    request
}

/// True when `request` runs a subscription (known before execution: not for a persisted query's
/// bare hash). The text is measured and parsed once, for execution too.
pub(super) fn runs_subscription(
    request: &mut Request,
    limits: &Limits,
    documents: &Documents,
) -> bool {
    text::operation(request, limits, documents)
        .is_some_and(|(kind, _)| kind == OperationType::Subscription)
}

/// True when the request in a GET URL runs a subscription.
pub(super) fn url_runs_subscription(
    query_string: &str,
    limits: &Limits,
    documents: &Documents,
) -> bool {
    async_graphql::http::parse_query_string(query_string)
        .map(|request| with_operation_name(request, query_string))
        .is_ok_and(|mut request| runs_subscription(&mut request, limits, documents))
}
