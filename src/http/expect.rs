//! `Expect: 100-continue`: a client asks whether to send its body before sending it. A body
//! over `MAX_BODY_BYTES` (by its `Content-Length`) is refused there and then with 413
//! `PAYLOAD_TOO_LARGE`, before `100 Continue` invites it; any other request goes on as usual
//! (the handlers still read a body within the limit, whatever its length claimed).

use actix_http::{header::CONTENT_LENGTH, HttpMessage, Request, StatusCode};

use super::errors;
use crate::error::ErrorCode;

/// The request, to answer `100 Continue` to; or the refusal of a body that is too large.
pub(super) fn continue_or_refuse(
    request: Request,
    max_body_bytes: usize,
) -> Result<Request, actix_web::Error> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > max_body_bytes as u64 => {
            let refusal = errors::request_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                &format!("The request body exceeds {max_body_bytes} bytes."),
            );
            Err(actix_web::error::InternalError::from_response("payload too large", refusal).into())
        }
        _ => Ok(request),
    }
}
