//! GraphQL over Server-Sent Events (the `graphql-sse` protocol) on `/graphql`, for clients that
//! send `Accept: text/event-stream`:
//!
//! - distinct connections mode: `POST` (or `GET` with the request in the URL) answers with an
//!   event stream of `next` events, each a GraphQL response, and a last `complete`. As the
//!   protocol asks, whatever stops the operation before it runs (validation, limits, a spent
//!   budget, `TOO_MANY_SUBSCRIPTIONS`) arrives as a `next` event on an accepted stream, not as
//!   an HTTP status that an `EventSource` could not read;
//! - single connection mode ([`single`]): `PUT` reserves a stream, `GET` with the token listens
//!   to it, `POST` with the token starts an operation on it, `DELETE` stops one.
//!
//! A `:` comment line is sent every [`HEARTBEAT`] of silence. Closing the stream ends its
//! operations.

pub(super) mod single;

use std::time::Duration;

use actix_web::{web::Bytes, HttpRequest, HttpResponse};
use async_graphql::{Request, Response};
use futures_util::{stream, StreamExt};

use super::{negotiation::Body, operation, streams, State};
use crate::schema::limits::ViaGet;

/// The header (or the `token` URL parameter) naming a reserved stream.
pub(super) const TOKEN_HEADER: &str = "x-graphql-event-stream-token";

/// How long a stream stays silent before a comment line is sent (the usual convention).
const HEARTBEAT: Duration = Duration::from_secs(12);

/// A comment line: ignored by every client, it keeps the connection alive (and, sent first,
/// tells the client at once that the stream is open).
const COMMENT: &[u8] = b":\n\n";

/// Distinct connections mode: the operation's responses as `next` events, then `complete`.
pub(super) fn distinct(state: &State, req: &HttpRequest, request: Request) -> HttpResponse {
    let slots = streams::new_slots(state, req);
    let data = streams::session_data(state, req, slots);
    let events = stream::once(async { Bytes::from_static(COMMENT) })
        .chain(
            streams::run(&state.executor, request, data)
                .map(|response| event("next", &payload(&response))),
        )
        .chain(stream::once(async { event("complete", "") }));
    streams::response(
        state,
        "sse",
        "text/event-stream",
        streams::with_heartbeat(events.boxed(), HEARTBEAT, COMMENT),
    )
}

/// Distinct connections mode for `GET`: the request is in the URL; a query or a subscription.
pub(super) fn distinct_from_url(state: &State, req: &HttpRequest) -> HttpResponse {
    let documents = &state.services.caches.documents;
    match operation::from_query_string(
        req.query_string(),
        &state.limits,
        documents,
        ViaGet::EventStream,
        false,
    ) {
        Ok(request) => distinct(state, req, request),
        Err(refusal) => *refusal,
    }
}

/// The token of the reserved stream a request names in `X-GraphQL-Event-Stream-Token`.
pub(super) fn token(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(TOKEN_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// The token of the stream a `GET` listens to: by header, or by the `token` URL parameter for
/// `EventSource`, which cannot set headers. Only there: elsewhere a URL's `token` may be a
/// gateway's or a signed URL's, not ours.
pub(super) fn listening_token(req: &HttpRequest) -> Option<String> {
    token(req).or_else(|| url_parameter(req, "token"))
}

/// A parameter of the request's URL.
pub(super) fn url_parameter(req: &HttpRequest, name: &str) -> Option<String> {
    let query = actix_web::web::Query::<std::collections::HashMap<String, String>>::from_query(
        req.query_string(),
    )
    .ok()?;
    query.into_inner().remove(name)
}

/// A GraphQL response as the `data` of an event (one line of JSON).
fn payload(response: &Response) -> String {
    serde_json::to_string(&Body::of(response)).unwrap_or_else(|err| {
        tracing::error!(error = %err, "could not serialise a GraphQL response");
        r#"{"errors":[{"message":"Internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#
            .to_owned()
    })
}

/// One event: its name and a one-line `data` (serialised JSON never holds a line break).
fn event(name: &str, data: &str) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_framed_as_the_protocol_reads_them() {
        assert_eq!(&event("complete", "")[..], b"event: complete\ndata: \n\n");
        let response = Response::new(
            async_graphql::Value::from_json(serde_json::json!({ "a": "line\nbreak" }))
                .unwrap_or_default(),
        );
        let data = payload(&response);
        assert!(!data.contains('\n'), "{data}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&data).ok(),
            Some(serde_json::json!({ "data": { "a": "line\nbreak" } }))
        );
    }
}
