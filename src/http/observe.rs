//! Every HTTP request counted and timed (`citynet_http_requests_total{method,route,status}`,
//! `citynet_http_request_duration_seconds{route}`), and the error codes of its answer counted
//! (`citynet_graphql_errors_total{code}`): the handlers attach the codes they sent to the
//! response ([`ErrorCodes`]), whichever way they answered.

use std::time::Instant;

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web, HttpResponse,
};
use async_graphql::BatchResponse;

use tracing::Instrument;

use crate::observe::{trace, Metrics};

/// The `extensions.code` of each error an answer carries.
pub(super) struct ErrorCodes(pub Vec<String>);

/// The codes of `response`'s errors, to attach to its HTTP answer ([`ErrorCodes::attach`]).
pub(super) fn error_codes(response: &BatchResponse) -> ErrorCodes {
    let responses: &[async_graphql::Response] = match response {
        BatchResponse::Single(single) => std::slice::from_ref(single),
        BatchResponse::Batch(batch) => batch,
    };
    let codes: Vec<String> = responses
        .iter()
        .flat_map(|single| &single.errors)
        .map(|error| crate::error::code_of(error).unwrap_or_default().to_owned())
        .collect();
    ErrorCodes(codes)
}

impl ErrorCodes {
    /// Attaches the codes to `http`, for the count.
    pub(super) fn attach(self, http: &mut HttpResponse) {
        if !self.0.is_empty() {
            http.extensions_mut().insert(self);
        }
    }
}

/// The middleware.
pub(super) async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = trace::http_request(method, req.path(), req.headers());
    let result = next.call(req).instrument(span.clone()).await;
    let Some(metrics) = metrics else {
        return result;
    };
    match &result {
        Ok(response) => {
            let route = response.request().match_pattern();
            let route = route.as_deref().unwrap_or("unmatched");
            let status = response.status();
            trace::http_response(&span, method, route, status.as_u16());
            metrics.http_request(method, route, status.as_str(), started.elapsed());
            if let Some(codes) = response.response().extensions().get::<ErrorCodes>() {
                for code in &codes.0 {
                    metrics.error(code);
                }
            }
        }
        Err(err) => metrics.http_request(
            method,
            "unmatched",
            err.as_response_error().status_code().as_str(),
            started.elapsed(),
        ),
    }
    result
}

/// The method as a label: the standard ones by name, any other as `OTHER` (a client may send
/// any token as a method; labels must stay few).
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::PATCH, "PATCH"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(known, _)| known == method)
        .map_or("OTHER", |(_, label)| label)
}
