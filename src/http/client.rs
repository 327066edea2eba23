//! Who a request comes from: the [`Access`] its bearer token grants, whom the rate limit
//! charges for it, and the address the connection and subscription limits count it under.

use std::net::IpAddr;

use actix_web::{http::header, HttpRequest};

use super::connections;
use crate::{
    auth::{Access, ApiTokens},
    rate_limit,
};

/// What the request's `Authorization` header grants.
pub(super) fn access(tokens: &ApiTokens, req: &HttpRequest) -> Access {
    tokens.access(authorization(req))
}

/// Whom the rate limit charges: the bearer token when it is valid (an invalid one cannot open
/// a fresh budget), else the client's address.
pub(super) fn rate_limit_client(tokens: &ApiTokens, req: &HttpRequest) -> rate_limit::Client {
    match (access(tokens, req), authorization(req)) {
        (Access::Writer, Some(authorization)) => rate_limit::Client::Token(
            <sha2::Sha256 as sha2::Digest>::digest(authorization.as_bytes()).into(),
        ),
        _ => rate_limit::Client::Address(address(req)),
    }
}

/// The client's address (the peer of the TCP connection), as limits count it (see
/// [`connections::client_address`]).
pub(super) fn address(req: &HttpRequest) -> IpAddr {
    req.peer_addr().map_or(IpAddr::from([0, 0, 0, 0]), |addr| {
        connections::client_address(addr.ip())
    })
}

/// The `Authorization` header, when it is text.
fn authorization(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
}
