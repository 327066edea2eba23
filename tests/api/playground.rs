//! The playground over HTTP: a page that loads only this server's assets under a strict
//! Content-Security-Policy, and assets with the right types and cache headers. (The browser
//! test, `scripts/browser-test`, runs it in chromium.)

use reqwest::StatusCode;

use crate::helpers::TestApp;

async fn page(app: &TestApp) -> reqwest::Response {
    app.client
        .get(app.graphql_url())
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap()
}

/// The `/playground/…` paths the page loads.
fn asset_paths(page: &str) -> Vec<String> {
    page.split("\"/playground/")
        .skip(1)
        .map(|rest| format!("/playground/{}", rest.split('"').next().unwrap()))
        .collect()
}

#[tokio::test]
async fn the_page_loads_only_this_servers_assets_under_a_strict_policy() {
    let app = TestApp::builder().spawn().await;
    let response = page(&app).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let policy = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    let html = response.text().await.unwrap();
    assert!(!html.contains("://"), "no absolute URL in the page");
    assert!(
        !html.contains("<script>"),
        "no inline script (the policy forbids it)"
    );
    let assets = asset_paths(&html);
    assert!(
        assets.iter().any(|path| path.contains("graphiql")),
        "{assets:?}"
    );
    for path in assets {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        let expected = if path.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(content_type.starts_with(expected), "{path}: {content_type}");
        assert!(response.headers().contains_key("etag"), "{path}");
        let body = response.bytes().await.unwrap();
        assert!(!body.is_empty(), "{path}");
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("unpkg.com") && !text.contains("cdn.jsdelivr"),
            "{path} points at a CDN"
        );
    }
}

#[tokio::test]
async fn assets_are_cached_and_revalidated() {
    let app = TestApp::builder().spawn().await;
    let vendored = format!("{}/playground/vendor/graphiql-4.1.2.min.js", app.address);
    let response = app.client.get(&vendored).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cache = response.headers()["cache-control"].to_str().unwrap();
    assert!(
        cache.contains("immutable"),
        "versioned files are cached: {cache}"
    );
    let etag = response.headers()["etag"].clone();
    let again = app
        .client
        .get(&vendored)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let own = app
        .client
        .get(format!("{}/playground/playground.js", app.address))
        .send()
        .await
        .unwrap();
    let cache = own.headers()["cache-control"].to_str().unwrap();
    assert!(cache.contains("must-revalidate"), "{cache}");
    let licence = app
        .client
        .get(format!(
            "{}/playground/vendor/LICENSE.graphiql",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert!(licence.text().await.unwrap().contains("MIT License"));

    let missing = app
        .client
        .get(format!("{}/playground/../Cargo.toml", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn gzip_is_negotiated_for_the_big_assets() {
    let app = TestApp::builder().spawn().await;
    let response = app
        .client
        .get(format!(
            "{}/playground/vendor/graphiql-4.1.2.min.js",
            app.address
        ))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn without_the_playground_there_are_no_assets_either() {
    let app = TestApp::builder()
        .envs(&[("PLAYGROUND", "false")])
        .spawn()
        .await;
    assert_ne!(page(&app).await.status(), StatusCode::OK);
    let asset = app
        .client
        .get(format!("{}/playground/playground.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), StatusCode::NOT_FOUND);
}
