//! Apollo's multipart subscriptions on `POST /graphql`, for clients that send
//! `Accept: multipart/mixed;subscriptionSpec="1.0"` (Apollo Client's `HttpLink`, Apollo
//! Kotlin and iOS): a `multipart/mixed;boundary="graphql";subscriptionSpec="1.0"` answer whose
//! parts are JSON, each response as `{"payload": …}`, an empty `{}` every [`HEARTBEAT`] of
//! silence, and a closing `--graphql--` when the operation ends.
//!
//! A response without data (the operation did not run, or the subscription was ended: lagged,
//! over a limit) carries its GraphQL errors in the payload, `{"payload": {"errors": […]}}`, and
//! the stream ends after it; the protocol's `{"payload": null, "errors"}` is for failures that
//! are not GraphQL answers.

use std::time::Duration;

use actix_web::{web::Bytes, HttpRequest, HttpResponse};
use async_graphql::{Request, Response};
use futures_util::{stream, StreamExt};

use super::{negotiation::Body, streams, State};

/// The content type of the answer.
const CONTENT_TYPE: &str = r#"multipart/mixed;boundary="graphql";subscriptionSpec="1.0""#;

/// How long the stream stays silent before a heartbeat part (Apollo's routers send one every 5s).
const HEARTBEAT: Duration = Duration::from_secs(5);

/// The first delimiter, sent at once. Each part then ends with the next delimiter, so that a
/// client (which reads a part once the delimiter after it arrived) has it as soon as it is sent.
const OPENING: &[u8] = b"\r\n--graphql";

/// A part's headers, after the delimiter's line break.
const HEADERS: &str = "\r\nContent-Type: application/json\r\n\r\n";

/// The delimiter after a part.
const DELIMITER: &str = "\r\n--graphql";

/// The part that only says the stream is alive.
const HEARTBEAT_PART: &[u8] = b"\r\nContent-Type: application/json\r\n\r\n{}\r\n--graphql";

/// What makes the last delimiter the closing one.
const END: &[u8] = b"--\r\n";

/// Runs the request and streams its responses as parts.
pub(super) fn respond(state: &State, req: &HttpRequest, request: Request) -> HttpResponse {
    let slots = streams::new_slots(state, req);
    let data = streams::session_data(state, req, slots);
    let parts = stream::once(async { Bytes::from_static(OPENING) })
        .chain(streams::run(&state.executor, request, data).map(|response| part(&response)))
        .chain(stream::once(async { Bytes::from_static(END) }));
    streams::response(
        state,
        "multipart",
        CONTENT_TYPE,
        streams::with_heartbeat(parts.boxed(), HEARTBEAT, HEARTBEAT_PART),
    )
}

/// One response as a part: `{"payload": response}`, GraphQL errors included (Apollo Client
/// reads them as `graphQLErrors`). `{"payload": null, "errors"}` is kept for what is not a
/// GraphQL answer: a response that could not be serialised.
fn part(response: &Response) -> Bytes {
    let json = serde_json::to_string(&serde_json::json!({ "payload": Body::of(response) }));
    let json = json.unwrap_or_else(|err| {
        tracing::error!(error = %err, "could not serialise a GraphQL response");
        r#"{"payload":null,"errors":[{"message":"Internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#
            .to_owned()
    });
    Bytes::from(format!("{HEADERS}{json}{DELIMITER}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON of the part `response` becomes.
    fn json_of(response: &Response) -> serde_json::Value {
        let text = String::from_utf8(part(response).to_vec()).unwrap();
        let json = text
            .strip_prefix(HEADERS)
            .and_then(|text| text.strip_suffix(DELIMITER))
            .unwrap();
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn graphql_errors_are_in_the_payload() {
        let refused = Response::from_errors(vec![async_graphql::ServerError::new("no", None)]);
        let json = json_of(&refused);
        assert_eq!(json["payload"]["errors"][0]["message"], "no");
        assert!(json.get("errors").is_none(), "{json}");

        let ran =
            Response::new(async_graphql::Value::from_json(serde_json::json!({"a": 1})).unwrap());
        assert_eq!(
            json_of(&ran),
            serde_json::json!({ "payload": { "data": { "a": 1 } } })
        );
    }
}
