//! HTTP caching of query responses to `GET`: each gets a weak `ETag` made from its bytes (identical
//! requests give identical bytes: `schema::shape` orders the keys), a request whose
//! `If-None-Match` names that tag gets `304 Not Modified` without a body, `Cache-Control` comes
//! from `CACHE_CONTROL` (default `no-cache`: a browser or CDN may keep the answer but revalidates
//! it every time, so it is never served stale), and `Vary` names the request headers that change
//! the answer. POST responses are not cacheable in HTTP and are left alone.

use actix_web::{
    body::{self, BoxBody},
    http::{
        header::{self, HeaderValue},
        StatusCode,
    },
    HttpRequest, HttpResponse,
};
use sha2::{Digest, Sha256};

/// The request headers a query's answer depends on: the media type negotiated by `Accept`, the
/// access granted by `Authorization`.
const VARY: &str = "Accept, Authorization";

/// `response` (to the GET request `req`) with its validator and caching headers, or `304 Not
/// Modified` when the client already holds these bytes. Only successful answers are cacheable.
pub(super) async fn conditional(
    req: &HttpRequest,
    response: HttpResponse,
    cache_control: &str,
) -> HttpResponse {
    if response.status() != StatusCode::OK {
        return response;
    }
    let (head, response_body) = response.into_parts();
    let Ok(bytes) = body::to_bytes(response_body).await else {
        tracing::error!("a response body could not be read for its ETag");
        return super::errors::internal_server_error();
    };
    let tag = entity_tag(&bytes);
    let mut response = if client_holds(req, &tag) {
        let mut not_modified = HttpResponse::NotModified().finish();
        copy_content_headers(&head, &mut not_modified);
        not_modified
    } else {
        head.set_body(BoxBody::new(bytes))
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(cache_control) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.insert(header::VARY, HeaderValue::from_static(VARY));
    response
}

/// A weak entity tag: the first 16 bytes of the body's SHA-256, in hex, quoted. Weak, because the
/// compression middleware sends the same answer gzipped or as it is, and a strong tag must
/// differ between encodings (RFC 9110 §8.8.1); a weak one names the answer, not its bytes.
pub(super) fn entity_tag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("W/\"{hex}\"")
}

/// True when `If-None-Match` names `tag` (or is `*`); weak tags compare by their value, as the
/// weak comparison of RFC 9110 (§13.1.2) asks for `If-None-Match`.
pub(super) fn client_holds(req: &HttpRequest, tag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|candidate| candidate.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == "*" || candidate == tag.trim_start_matches("W/"))
}

/// A `304` carries the headers the full answer would have (a cache updates its stored answer
/// from them; the rate-limit headers stay true), but no body and so no length.
fn copy_content_headers(from: &HttpResponse<()>, to: &mut HttpResponse) {
    for (name, value) in from.headers() {
        if name != header::CONTENT_LENGTH {
            to.headers_mut().append(name.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn if_none_match_is_compared_weakly_and_lists_are_read() {
        let tag = entity_tag(b"{}");
        for header_value in [
            tag.clone(),
            format!("W/{tag}"),
            format!("\"x\", {tag}"),
            "*".into(),
        ] {
            let req = TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, header_value.as_str()))
                .to_http_request();
            assert!(client_holds(&req, &tag), "{header_value}");
        }
        let req = TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "\"other\""))
            .to_http_request();
        assert!(!client_holds(&req, &tag));
        assert!(!client_holds(
            &TestRequest::default().to_http_request(),
            &tag
        ));
    }
}
