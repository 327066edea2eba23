//! What independent GraphQL clients rely on: CORS preflights for the headers they add by
//! themselves.

use crate::helpers::{spawn_app, spawn_app_configured, TestApp};

async fn preflight(app: &TestApp, headers: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.graphql_url())
        .header("origin", "https://maps.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", headers)
        .send()
        .await
        .expect("the server answers")
}

/// Apollo Client's client awareness, W3C trace context, Sentry and request ids are sent by
/// clients without being asked; a preflight that refused them would block every request.
#[tokio::test]
async fn preflights_allow_the_headers_clients_add_by_themselves() {
    let app = spawn_app().await;
    let headers = "content-type,authorization,apollographql-client-name,\
                   apollographql-client-version,traceparent,tracestate,baggage,sentry-trace,\
                   x-request-id";
    let response = preflight(&app, headers).await;
    assert!(response.status().is_success(), "{}", response.status());
    let allowed = response.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in headers.split(',') {
        assert!(allowed.contains(header), "{header} not in {allowed}");
    }
}

/// `CORS_ALLOWED_HEADERS` replaces the list.
#[tokio::test]
async fn the_allowed_headers_are_configurable() {
    let app = spawn_app_configured(&[("CORS_ALLOWED_HEADERS", "content-type, x-custom")]).await;
    assert!(preflight(&app, "content-type,x-custom")
        .await
        .status()
        .is_success());
    assert!(!preflight(&app, "traceparent").await.status().is_success());
}
