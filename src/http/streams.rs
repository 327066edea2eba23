//! What the transports that answer with a stream share: the WebSocket, Server-Sent Events
//! ([`super::sse`]) and multipart HTTP ([`super::multipart`]). Each operation runs with the same
//! session data (the client's access and rate-limit budget, the request id its errors carry, its
//! share of the subscription limits) through [`LimitedExecutor::execute_stream`], so the time
//! limit, the lag rule and every count are the WebSocket's. A streamed body is sent as it is
//! made (never compressed, which would buffer it) and carries heartbeats while nothing happens;
//! dropping it (the client went away) drops the subscription and gives its slot back.

use std::{convert::Infallible, sync::Arc, time::Duration};

use actix_web::{
    http::{header, StatusCode},
    web::Bytes,
    HttpRequest, HttpResponse,
};
use async_graphql::{BatchRequest, Data, Executor, Request, Response};
use futures_util::{
    stream::{self, BoxStream},
    Stream, StreamExt,
};

use super::{client, errors, executor::LimitedExecutor, request_id, State};
use crate::{error::ErrorCode, rate_limit::ChargeSlot, schema::SubscriptionSlots};

/// A fresh share of the subscription limits: one connection's (or one event stream's).
pub(super) fn new_slots(state: &State, req: &HttpRequest) -> SubscriptionSlots {
    SubscriptionSlots::new(state.subscription_limits.clone(), client::address(req))
}

/// What every operation of a stream sees: the client's access, its rate-limit budget, the id
/// of the request that opened the stream, and `slots`.
pub(super) fn session_data(state: &State, req: &HttpRequest, slots: SubscriptionSlots) -> Data {
    let mut data = Data::default();
    data.insert(client::access(&state.tokens, req));
    data.insert(client::rate_limit_client(&state.tokens, req));
    if let Some(id) = request_id::current() {
        data.insert(request_id::SocketRequestId(id));
    }
    data.insert(ChargeSlot::default());
    data.insert(slots);
    data
}

/// The one operation a streamed answer carries, or the refusal of a batch (boxed: it is large).
pub(super) fn single(request: BatchRequest) -> Result<Request, Box<HttpResponse>> {
    match request {
        BatchRequest::Single(request) => Ok(request),
        BatchRequest::Batch(_) => Err(Box::new(errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "A streamed answer carries one operation; send batches as JSON.",
        ))),
    }
}

/// Runs `request` with the session `data`: its responses, as many as the operation gives (one
/// for a query or mutation). Dropping the stream ends the operation.
pub(super) fn run(
    executor: &LimitedExecutor,
    request: Request,
    data: Data,
) -> BoxStream<'static, Response> {
    executor.execute_stream(request, Some(Arc::new(data)))
}

/// An operation after its first step: refused before it ran (limits, validation, a spent
/// budget), or running.
pub(super) enum Started {
    Refused(Box<Response>),
    Running(BoxStream<'static, Response>),
}

/// Takes the operation's first step without waiting: the request is checked (limits,
/// validation, the rate limit) and a subscription takes its slot (or is refused) there, then
/// waits for changes. The refusals a client must hear as an HTTP status are told apart from
/// what the stream carries; an operation still at work after the step (a query waiting for the
/// database) is running, and anything it reports arrives on the stream.
pub(super) async fn start(mut responses: BoxStream<'static, Response>) -> Started {
    match futures_util::poll!(responses.next()) {
        std::task::Poll::Ready(Some(first)) if is_refusal(&first) => {
            Started::Refused(Box::new(first))
        }
        std::task::Poll::Ready(first) => {
            Started::Running(stream::iter(first).chain(responses).boxed())
        }
        std::task::Poll::Pending => Started::Running(responses),
    }
}

/// True for a response of an operation that did not run: no data, and no error at a field but
/// a subscription's refusal over a limit.
fn is_refusal(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| {
            error.path.is_empty()
                || crate::error::code_of(error) == Some(ErrorCode::TooManySubscriptions.as_str())
        })
}

/// The status of a refusal: 429 when the client holds too much or spent its budget, else 400.
pub(super) fn refusal_status(response: &Response) -> StatusCode {
    let busy = [
        ErrorCode::TooManySubscriptions,
        ErrorCode::TooManyOperations,
        ErrorCode::RateLimited,
    ];
    let code_is_busy = |error| {
        busy.iter()
            .any(|code| crate::error::code_of(error) == Some(code.as_str()))
    };
    if response.errors.iter().any(code_is_busy) {
        StatusCode::TOO_MANY_REQUESTS
    } else {
        StatusCode::BAD_REQUEST
    }
}

/// `body` with `beat` sent whenever nothing else was for `every`, until `body` ends: proxies and
/// clients see the stream alive, and a client gone away is noticed at the next write at the
/// latest.
pub(super) fn with_heartbeat(
    body: impl Stream<Item = Bytes> + Send + Unpin + 'static,
    every: Duration,
    beat: &'static [u8],
) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    stream::unfold((body, ticks), move |(mut body, mut ticks)| async move {
        let bytes = tokio::select! {
            biased;
            item = body.next() => {
                ticks.reset();
                item?
            }
            _ = ticks.tick() => Bytes::from_static(beat),
        };
        Some((Ok(bytes), (body, ticks)))
    })
}

/// One open stream or socket in a gauge, for as long as it lives.
pub(super) struct Open(prometheus::IntGauge);

impl Open {
    pub(super) fn count(gauge: prometheus::IntGauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The `200` answer streaming `body` as `content_type`: not cached, not compressed, not
/// buffered by a proxy (`X-Accel-Buffering`); counted in `citynet_http_streams_active` under
/// `transport` while it is open, and ended when the server begins to stop (the client then
/// reconnects, as after any lost connection).
pub(super) fn response(
    state: &State,
    transport: &'static str,
    content_type: &'static str,
    body: impl Stream<Item = Result<Bytes, Infallible>> + 'static,
) -> HttpResponse {
    let open = Open::count(state.executor.metrics().streams_active(transport));
    let stopping = state.stopping.clone();
    let body = body
        .map(move |bytes| {
            let _open = &open;
            bytes
        })
        .take_until(async move { stopping.notified().await });
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Compression would hold the parts back until enough bytes were made.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn heartbeats_fill_the_silence_and_stop_with_the_body() {
        let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(1);
        let body = stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|bytes| (bytes, receiver))
        });
        let mut beating = Box::pin(with_heartbeat(
            Box::pin(body),
            Duration::from_millis(10),
            b":\n\n",
        ));
        let first = beating.next().await.and_then(Result::ok);
        assert_eq!(first.as_deref(), Some(&b":\n\n"[..]));
        sender.send(Bytes::from_static(b"x")).await.ok();
        let mut seen = Vec::new();
        while let Some(Ok(bytes)) = beating.next().await {
            seen.push(bytes);
            if seen.last().map(|b| &b[..]) == Some(b"x") {
                break;
            }
        }
        drop(sender);
        assert!(
            beating.next().await.is_none(),
            "the stream ends with its body"
        );
    }
}
