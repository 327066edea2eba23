//! GraphQL-over-HTTP negotiation: what a request says it sends (`Content-Type`) and wants
//! (`Accept`, `Upgrade`), and the GraphQL response serialised to match. A client that accepts
//! `application/graphql-response+json` gets it, with `400` for a request that never executed
//! (parse, validation or limit errors), as the specification says; others get
//! `application/json` and `200`.

use actix_web::{
    http::{header, StatusCode},
    HttpRequest, HttpResponse,
};
use async_graphql::BatchResponse;

use super::errors;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// True when the body is declared `application/json` (parameters such as `charset` aside).
pub(super) fn sends_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|mime| mime.trim().eq_ignore_ascii_case(JSON))
        .unwrap_or(false)
}

/// True for a browser navigating to the URL (it accepts `text/html`).
pub(super) fn accepts_html(req: &HttpRequest) -> bool {
    header_contains(req, header::ACCEPT, "text/html")
}

pub(super) fn is_websocket_upgrade(req: &HttpRequest) -> bool {
    header_contains(req, header::UPGRADE, "websocket")
}

/// True when the client accepts a JSON answer: a media range ending in `json`, `application/*`
/// or `*/*`. Clients such as urql list `text/event-stream` and `multipart/mixed` beside JSON on
/// every request; a query or mutation is then answered as JSON, and only a subscription (which
/// JSON cannot carry) streams.
pub(super) fn accepts_json(req: &HttpRequest) -> bool {
    media_ranges(req)
        .filter_map(|media| media.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .any(|mime| mime.ends_with("json") || mime == "*/*" || mime == "application/*")
}

/// True when the client accepts `text/event-stream` (GraphQL over Server-Sent Events).
pub(super) fn accepts_event_stream(req: &HttpRequest) -> bool {
    header_contains(req, header::ACCEPT, "text/event-stream")
}

/// True when the client accepts Apollo's multipart subscriptions:
/// `multipart/mixed;subscriptionSpec="1.0"` (or `subscriptionSpec=1.0`, among other parameters
/// and media types, as Apollo Client sends it).
pub(super) fn accepts_multipart_subscriptions(req: &HttpRequest) -> bool {
    media_ranges(req).any(|media| {
        let mut parts = media.split(';').map(str::trim);
        parts
            .next()
            .is_some_and(|mime| mime.eq_ignore_ascii_case("multipart/mixed"))
            && parts.any(|parameter| {
                parameter.split_once('=').is_some_and(|(name, value)| {
                    name.trim().eq_ignore_ascii_case("subscriptionSpec")
                        && value.trim().trim_matches('"') == "1.0"
                })
            })
    })
}

/// The media ranges of every `Accept` line, parameters included (`multipart/mixed;a=b`).
fn media_ranges(req: &HttpRequest) -> impl Iterator<Item = &str> {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
}

fn accepts_graphql_response_json(req: &HttpRequest) -> bool {
    header_contains(req, header::ACCEPT, GRAPHQL_RESPONSE_JSON)
}

fn header_contains(req: &HttpRequest, name: header::HeaderName, needle: &str) -> bool {
    // Every line of the header: a list may come split over several (RFC 9110 §5.3).
    req.headers()
        .get_all(name)
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.to_ascii_lowercase().contains(needle))
}

/// The HTTP response carrying a GraphQL response, in the media type and status the client
/// negotiated, with the response's `Cache-Control` hint; `planned` is the planned path's `data`
/// as JSON text (see [`response_body`]).
pub(super) fn graphql_response(
    req: &HttpRequest,
    response: BatchResponse,
    planned: Option<&[u8]>,
) -> HttpResponse {
    let body = match response_body(&response, planned) {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "could not serialise a GraphQL response");
            return errors::internal_server_error();
        }
    };
    let (status, content_type) = status_and_content_type(req, &response);
    let mut builder = HttpResponse::build(status);
    builder.content_type(content_type);
    if let Some(cache_control) = response.cache_control().value() {
        builder.insert_header((header::CACHE_CONTROL, cache_control));
    }
    builder.body(body)
}

/// The HTTP response carrying a complete GraphQL response (data, no errors) already serialised,
/// as the response cache keeps it: `200` in the media type the client negotiated.
pub(super) fn complete_response(req: &HttpRequest, body: actix_web::web::Bytes) -> HttpResponse {
    let content_type = if accepts_graphql_response_json(req) {
        GRAPHQL_RESPONSE_JSON
    } else {
        JSON
    };
    HttpResponse::Ok().content_type(content_type).body(body)
}

fn status_and_content_type(
    req: &HttpRequest,
    response: &BatchResponse,
) -> (StatusCode, &'static str) {
    if !accepts_graphql_response_json(req) {
        return (StatusCode::OK, JSON);
    }
    match response {
        BatchResponse::Single(single) if never_ran(single) => {
            (StatusCode::BAD_REQUEST, GRAPHQL_RESPONSE_JSON)
        }
        _ => (StatusCode::OK, GRAPHQL_RESPONSE_JSON),
    }
}

/// True for a response to a request that failed before execution (parse, validation, limits):
/// no data, and no error that happened at a field (those carry a `path`).
fn never_ran(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// The JSON body. A request that never executed has no `data` entry at all (the GraphQL
/// specification), rather than `"data": null`; errors keep their key order (`message` first).
///
/// `planned` is a single response's `data` as the planned path wrote it (its response's own
/// `data` is `null`): it takes the place of that `null`, the first member of the body.
pub(super) fn response_body(
    response: &BatchResponse,
    planned: Option<&[u8]>,
) -> serde_json::Result<Vec<u8>> {
    match response {
        BatchResponse::Single(single) => {
            let body = serde_json::to_vec(&Body::of(single))?;
            match planned {
                Some(data) => with_data(body, data),
                None => Ok(body),
            }
        }
        BatchResponse::Batch(batch) => {
            serde_json::to_vec(&batch.iter().map(Body::of).collect::<Vec<_>>())
        }
    }
}

/// `body` (`{"data":null…`) with `data` in place of its `null`; an error (a 500, never kept
/// by the response cache) if the body does not start so.
fn with_data(body: Vec<u8>, data: &[u8]) -> serde_json::Result<Vec<u8>> {
    const EMPTY: &[u8] = b"{\"data\":null";
    let Some(rest) = body.strip_prefix(EMPTY) else {
        return Err(serde::ser::Error::custom(
            "a planned answer's body does not start with its data",
        ));
    };
    let mut out = Vec::with_capacity(body.len() + data.len());
    out.extend_from_slice(b"{\"data\":");
    out.extend_from_slice(data);
    out.extend_from_slice(rest);
    Ok(out)
}

/// One response as sent: whole, or without `data` when the request never ran.
#[derive(serde::Serialize)]
#[serde(untagged)]
pub(super) enum Body<'a> {
    Ran(&'a async_graphql::Response),
    NeverRan {
        errors: &'a [async_graphql::ServerError],
        #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
    },
}

impl<'a> Body<'a> {
    pub(super) fn of(response: &'a async_graphql::Response) -> Self {
        if never_ran(response) {
            Body::NeverRan {
                errors: &response.errors,
                extensions: &response.extensions,
            }
        } else {
            Body::Ran(response)
        }
    }
}
