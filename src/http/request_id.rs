//! Request ids (issue 17): every request gets one — the client's `X-Request-Id` when it is sane
//! (1 to 64 characters of `[A-Za-z0-9._-]`), else a generated UUID — returned in the
//! `X-Request-Id` response header, carried by a tracing span around the request (so every log
//! line of the request names it, the access log too), and set as `extensions.requestId` on each
//! error the client receives over HTTP, or over the WebSocket that request opened, so that a
//! user can quote it in a bug report.

use std::sync::Arc;

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
};
use async_graphql::BatchResponse;
use tracing::Instrument;

pub(super) const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client-chosen id kept.
const MAX_LENGTH: usize = 64;

tokio::task_local! {
    /// The id of the request the current task serves.
    static CURRENT: Arc<str>;
}

/// The middleware: assigns the id, runs the request inside its span, and answers with it.
pub(super) async fn assign(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id: Arc<str> = req
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_sane(value))
        .map_or_else(|| uuid::Uuid::new_v4().to_string().into(), Into::into);
    // The request carries its id as the server understood it: the access log reads it there.
    if let Ok(value) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(HEADER, value);
    }
    let span = tracing::info_span!("request", id = %id);
    let mut response = CURRENT
        .scope(id.clone(), next.call(req))
        .instrument(span)
        .await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    Ok(response)
}

fn is_sane(id: &str) -> bool {
    (1..=MAX_LENGTH).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The id of the request being served, if any.
pub(super) fn current() -> Option<Arc<str>> {
    CURRENT.try_with(Arc::clone).ok()
}

/// Sets `extensions.requestId` on every error of `response`.
pub(super) fn tag_errors(response: &mut BatchResponse) {
    let Some(id) = current() else {
        return;
    };
    match response {
        BatchResponse::Single(single) => tag(single, &id),
        BatchResponse::Batch(batch) => batch.iter_mut().for_each(|single| tag(single, &id)),
    }
}

/// The id of the request that opened a WebSocket, in the session's data: the errors of every
/// operation sent over the socket carry it.
pub(crate) struct SocketRequestId(pub Arc<str>);

/// Sets `extensions.requestId` = `id` on every error of `response`.
pub(super) fn tag(response: &mut async_graphql::Response, id: &str) {
    for error in &mut response.errors {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("requestId", id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_ids_are_kept() {
        assert!(is_sane("a1.B2_c3-d4"));
        assert!(is_sane(&"x".repeat(64)));
        assert!(!is_sane(&"x".repeat(65)));
        assert!(!is_sane(""));
        assert!(!is_sane("has space"));
        assert!(!is_sane("line\nbreak"));
        assert!(!is_sane("ünïcode"));
    }
}
