//! The CORS policy, from `CORS_ALLOWED_ORIGINS` and `CORS_ALLOWED_HEADERS`: browsers on other
//! origins may POST and GET GraphQL (and PUT and DELETE graphql-sse's reserved streams), with
//! the headers GraphQL clients add by themselves, and may read the rate-limit headers and the
//! request id.

use actix_cors::Cors;
use actix_web::http::Method;

use super::{rate_limit_headers, request_id};
use crate::config::AllowedOrigins;

/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: usize = 3600;

pub(super) fn cors(origins: &AllowedOrigins, headers: &[String]) -> Cors {
    let cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allowed_headers(headers.iter().map(String::as_str))
        .expose_headers(rate_limit_headers::EXPOSED)
        .expose_headers([request_id::HEADER])
        .max_age(PREFLIGHT_MAX_AGE);
    match origins {
        AllowedOrigins::Any => cors.allow_any_origin(),
        AllowedOrigins::List(list) => list
            .iter()
            .fold(cors, |cors, origin| cors.allowed_origin(origin)),
    }
}
