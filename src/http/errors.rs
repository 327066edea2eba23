//! The errors the HTTP layer answers by itself, before or instead of running GraphQL (a wrong
//! method, content type or URL, a body too large or too slow, a panic), in the GraphQL response
//! shape `{"errors":[{message, extensions: {code}}]}` with a code from [`ErrorCode`], so that a
//! client reads one shape whatever refused it.

use actix_web::{
    http::{header, StatusCode},
    HttpResponse,
};
use serde_json::json;

use crate::error::ErrorCode;

/// A request-level error: `status`, and a body holding `message` and `code`.
/// The error carries the request's id (`extensions.requestId`), see [`super::request_id`].
pub(super) fn request_error(status: StatusCode, code: ErrorCode, message: &str) -> HttpResponse {
    let extensions = match super::request_id::current() {
        Some(id) => json!({ "code": code.as_str(), "requestId": id.as_ref() }),
        None => json!({ "code": code.as_str() }),
    };
    let mut response = HttpResponse::build(status).json(json!({
        "errors": [{ "message": message, "extensions": extensions }]
    }));
    response
        .extensions_mut()
        .insert(super::observe::ErrorCodes(vec![code.as_str().to_owned()]));
    response
}

/// `500 INTERNAL_SERVER_ERROR`, telling the client nothing more (the log has the details).
pub(super) fn internal_server_error() -> HttpResponse {
    request_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::InternalServerError,
        "Internal server error",
    )
}

/// `405 METHOD_NOT_ALLOWED` with the `Allow` header listing the methods that would work.
pub(super) fn method_not_allowed(allow: &'static str, message: &str) -> HttpResponse {
    let mut response = request_error(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        message,
    );
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allow));
    response
}

/// `404 NOT_FOUND`: the answer for every path the server does not serve.
pub(super) async fn not_found() -> HttpResponse {
    request_error(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "Nothing here; the API is at /graphql.",
    )
}
