//! The `/graphql` handlers: `POST` (a JSON body holding one request or a batch), `GET` (a
//! WebSocket upgrade or an event stream for subscriptions, the playground for a browser,
//! otherwise a query in the URL), and `PUT`/`DELETE` for graphql-sse's reserved streams. All run
//! what they read under the time limit and the rate limit, and answer with the status the
//! outcome calls for.

use std::panic::AssertUnwindSafe;

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use async_graphql::{BatchRequest, BatchResponse, Executor};
use futures_util::FutureExt;

use super::{
    caching, client, errors, multipart, negotiation, observe, operation, playground,
    rate_limit_headers, request_id, response_cache, sse, streams, websocket, State,
};
use crate::{
    error::{has_code, ErrorCode},
    plan::PlannedData,
    rate_limit::ChargeSlot,
    schema::limits::ViaGet,
};

/// `POST /graphql`: a JSON body holding one request or a batch (an array). A request that names
/// a reserved event stream starts on it; one that accepts an event stream or Apollo's multipart
/// subscriptions is answered with a stream (see [`sse`], [`multipart`]).
pub(super) async fn post(
    state: web::Data<State>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if !negotiation::sends_json(&req) {
        return errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedContentType,
            "POST /graphql needs `Content-Type: application/json`.",
        );
    }
    let mut request = match operation::from_body(payload, &state.limits).await {
        Ok(request) => request,
        Err(refusal) => return refusal,
    };
    let token = sse::token(&req);
    let streamed = token.is_some() || wants_stream(&state, &req, &mut request);
    if !streamed {
        let request = request.data(client::access(&state.tokens, &req));
        return execute(&state, &req, request).await;
    }
    let request = match streams::single(request) {
        Ok(request) => request,
        Err(refusal) => return *refusal,
    };
    if let Some(token) = token {
        sse::single::start(&state, &req, &token, request).await
    } else if negotiation::accepts_event_stream(&req) {
        sse::distinct(&state, &req, request)
    } else {
        multipart::respond(&state, &req, request)
    }
}

/// True when the answer is to stream: the client accepts an event stream or Apollo's multipart
/// answer, and either runs a subscription or accepts no JSON (as graphql-sse's client does).
fn wants_stream(state: &State, req: &HttpRequest, request: &mut BatchRequest) -> bool {
    let accepts_stream =
        negotiation::accepts_event_stream(req) || negotiation::accepts_multipart_subscriptions(req);
    if !accepts_stream {
        return false;
    }
    let documents = &state.services.caches.documents;
    !negotiation::accepts_json(req)
        || match request {
            BatchRequest::Single(single) => {
                operation::runs_subscription(single, &state.limits, documents)
            }
            BatchRequest::Batch(_) => false,
        }
}

/// `GET /graphql`: a WebSocket upgrade for subscriptions, an event stream (a reserved one, or
/// the request in the URL), the playground for a browser, otherwise a query in the URL. Only
/// queries run over plain GET (GraphQL-over-HTTP): a mutation or subscription gets 405.
pub(super) async fn get(
    state: web::Data<State>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if negotiation::is_websocket_upgrade(&req) {
        return subscriptions(&state, &req, payload);
    }
    if negotiation::accepts_event_stream(&req) {
        if let Some(token) = sse::listening_token(&req) {
            return sse::single::listen(&state, &token);
        }
        let documents = &state.services.caches.documents;
        if !negotiation::accepts_json(&req)
            || operation::url_runs_subscription(req.query_string(), &state.limits, documents)
        {
            return sse::distinct_from_url(&state, &req);
        }
    }
    if state.playground && negotiation::accepts_html(&req) {
        return playground::page();
    }
    let documents = &state.services.caches.documents;
    let query_string = req.query_string();
    let (limits, playground) = (&state.limits, state.playground);
    match operation::from_query_string(query_string, limits, documents, ViaGet::Plain, playground) {
        Ok(request) => {
            let response = execute(&state, &req, request.into()).await;
            caching::conditional(&req, response, &state.cache_control).await
        }
        Err(refusal) => *refusal,
    }
}

/// `PUT /graphql`: reserves an event stream (graphql-sse's single connection mode).
pub(super) async fn put(state: web::Data<State>, req: HttpRequest) -> HttpResponse {
    sse::single::reserve(&state, &req)
}

/// `DELETE /graphql?operationId=…`: stops an operation on a reserved event stream.
pub(super) async fn delete(state: web::Data<State>, req: HttpRequest) -> HttpResponse {
    match sse::token(&req) {
        Some(token) => sse::single::stop(&state, &req, &token),
        None => errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "DELETE /graphql stops an operation on a reserved event stream: send its token \
             in `X-GraphQL-Event-Stream-Token`.",
        ),
    }
}

/// Any other method on `/graphql`.
pub(super) async fn other_method() -> HttpResponse {
    errors::method_not_allowed(
        "GET, POST, PUT, DELETE",
        "/graphql accepts GET and POST (and PUT and DELETE for event streams).",
    )
}

/// Starts a GraphQL WebSocket session (see [`websocket`]). Credentials come from the upgrade
/// request's `Authorization` header, or from the `connection_init` payload, which browsers
/// (unable to set headers on a WebSocket) use.
fn subscriptions(state: &State, req: &HttpRequest, payload: web::Payload) -> HttpResponse {
    let Some(protocol) = websocket::negotiate(req) else {
        return errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "Offer the graphql-transport-ws WebSocket subprotocol.",
        );
    };
    let settings = websocket::SocketSettings {
        executor: state.executor.clone(),
        tokens: state.tokens.clone(),
        max_frame_bytes: state.limits.ws_max_frame_bytes,
        max_message_bytes: state.limits.ws_max_message_bytes,
        init_timeout: state.limits.ws_init_timeout,
    };
    let data = streams::session_data(state, req, streams::new_slots(state, req));
    match websocket::start(settings, req, payload, protocol, data) {
        Ok(response) => response,
        Err(err) => errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            &format!("The WebSocket handshake failed: {err}"),
        ),
    }
}

/// Runs a request, each query operation under the time limit (see [`super::executor`]) and
/// charged to its client's rate limit, unless the response cache holds its answer (and keeps
/// the answer when it may). A panic anywhere below (a bug) becomes a 500 for this
/// request instead of taking the worker down with the other requests it serves.
async fn execute(state: &State, req: &HttpRequest, request: BatchRequest) -> HttpResponse {
    let charge = ChargeSlot::default();
    let lookup = response_cache::Lookup::start(state, req, &request).await;
    if let Some(mut hit) = lookup
        .as_ref()
        .and_then(|lookup| lookup.hit(state, req, &charge))
    {
        rate_limit_headers::insert(&mut hit, &charge);
        return hit;
    }
    let miss = lookup.and_then(|lookup| lookup.miss(&request));
    let planned = PlannedData::default();
    let request = match request {
        BatchRequest::Single(single) => BatchRequest::Single(single.data(planned.clone())),
        batch => batch,
    };
    let request = request
        .data(client::rate_limit_client(&state.tokens, req))
        .data(charge.clone());
    let run = AssertUnwindSafe(state.executor.execute_batch(request)).catch_unwind();
    let mut response = match run.await {
        Ok(response) => {
            let planned = planned_data(&response, &planned);
            let planned = planned.as_deref();
            match miss.and_then(|miss| miss.keep(state, req, &response, planned, &charge)) {
                Some(kept) => kept,
                None => answer(state, req, response, planned, &charge),
            }
        }
        Err(_panic) => {
            tracing::error!("a request panicked; answered 500");
            errors::internal_server_error()
        }
    };
    rate_limit_headers::insert(&mut response, &charge);
    response
}

/// The `data` the planned path wrote for a single request, when its response is the one the
/// plan made (no errors, `data` left `null`): not after the time limit stopped it, say.
fn planned_data(response: &BatchResponse, planned: &PlannedData) -> Option<Vec<u8>> {
    let data = planned.take()?;
    match response {
        BatchResponse::Single(single)
            if single.errors.is_empty() && single.data == async_graphql::Value::Null =>
        {
            Some(data)
        }
        _ => None,
    }
}

/// The HTTP answer to an executed request: 503 for a single operation stopped by the time
/// limit, 429 with `Retry-After` when the rate limit refused every operation, else the GraphQL
/// response as the client negotiated it (`planned`: its `data` as the planned path wrote it).
fn answer(
    state: &State,
    req: &HttpRequest,
    mut response: BatchResponse,
    planned: Option<&[u8]>,
    charge: &ChargeSlot,
) -> HttpResponse {
    request_id::tag_errors(&mut response);
    if stopped_by_time_limit(&response) {
        return errors::request_error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::RequestTimeout,
            &format!(
                "The request took longer than {} ms and was stopped.",
                state.limits.request_timeout.as_millis()
            ),
        );
    }
    let rate_limited = every_operation_has_code(&response, ErrorCode::RateLimited);
    // Apollo's persisted-query protocol fixes two statuses whatever the media type: an
    // unknown hash is 200 (its link then sends the query), a hash that is not the query's 400.
    let protocol_status = match &response {
        BatchResponse::Single(single) if has_code(single, ErrorCode::PersistedQueryNotFound) => {
            Some(StatusCode::OK)
        }
        BatchResponse::Single(single)
            if has_code(single, ErrorCode::PersistedQueryHashMismatch) =>
        {
            Some(StatusCode::BAD_REQUEST)
        }
        // A persisted mutation sent with GET: its operation shows only once its hash is
        // resolved, and it is refused as any mutation over GET is, with 405.
        BatchResponse::Single(single) if has_code(single, ErrorCode::MethodNotAllowed) => {
            Some(StatusCode::METHOD_NOT_ALLOWED)
        }
        _ => None,
    };
    let codes = observe::error_codes(&response);
    let mut http = negotiation::graphql_response(req, response, planned);
    codes.attach(&mut http);
    if let Some(status) = protocol_status {
        http.head_mut().status = status;
        if status == StatusCode::METHOD_NOT_ALLOWED {
            http.headers_mut().insert(
                actix_web::http::header::ALLOW,
                actix_web::http::header::HeaderValue::from_static("POST"),
            );
        }
    }
    if rate_limited {
        rate_limit_headers::refuse(&mut http, charge);
    }
    http
}

/// True for a single operation that the time limit stopped (a batch reports it per operation).
/// A mutation is never stopped, and its `data` says what it wrote: a field error
/// `REQUEST_TIMEOUT` there (reading back what was written took too long) is sent with it.
fn stopped_by_time_limit(response: &BatchResponse) -> bool {
    match response {
        BatchResponse::Single(single) => {
            single.data == async_graphql::Value::Null && has_code(single, ErrorCode::RequestTimeout)
        }
        BatchResponse::Batch(_) => false,
    }
}

fn every_operation_has_code(response: &BatchResponse, code: ErrorCode) -> bool {
    match response {
        BatchResponse::Single(single) => has_code(single, code),
        BatchResponse::Batch(batch) => batch.iter().all(|single| has_code(single, code)),
    }
}
