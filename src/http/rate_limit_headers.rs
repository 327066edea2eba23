//! The rate limit as a client sees it in headers: `RateLimit-Limit`, `RateLimit-Remaining` and
//! `RateLimit-Reset` (the IETF draft; the reset in seconds from now) on every response the rate
//! limit charged, and `Retry-After` on a `429`. The CORS policy exposes them to browsers.

use actix_web::{
    http::{header, StatusCode},
    HttpResponse,
};

use crate::rate_limit::ChargeSlot;

const LIMIT: header::HeaderName = header::HeaderName::from_static("ratelimit-limit");
const REMAINING: header::HeaderName = header::HeaderName::from_static("ratelimit-remaining");
const RESET: header::HeaderName = header::HeaderName::from_static("ratelimit-reset");

/// The headers a browser's script may read (see `cors.rs`).
pub(super) const EXPOSED: [header::HeaderName; 4] = [LIMIT, REMAINING, RESET, header::RETRY_AFTER];

/// Adds the `RateLimit-*` headers when the request was charged.
pub(super) fn insert(response: &mut HttpResponse, charge: &ChargeSlot) {
    if let Some(charge) = charge.get() {
        insert_number(response, LIMIT, charge.limit);
        insert_number(response, REMAINING, charge.remaining);
        insert_number(response, RESET, charge.reset_in_seconds());
    }
}

/// Turns the response into `429 Too Many Requests`, with `Retry-After` when the charge is known.
pub(super) fn refuse(response: &mut HttpResponse, charge: &ChargeSlot) {
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Some(charge) = charge.get() {
        insert_number(response, header::RETRY_AFTER, charge.reset_in_seconds());
    }
}

fn insert_number(response: &mut HttpResponse, name: header::HeaderName, value: u64) {
    response
        .headers_mut()
        .insert(name, header::HeaderValue::from(value));
}
