//! The explorer (`/explore`) over HTTP: a page that loads only this server's assets under a
//! strict Content-Security-Policy, the vendored map data and licences, and the switch that
//! removes it. (The browser test, `scripts/browser-test`, runs it in chromium.)

use reqwest::StatusCode;

use crate::helpers::TestApp;

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("the server answers")
}

#[tokio::test]
async fn the_page_loads_only_this_servers_assets_under_a_strict_policy() {
    let app = TestApp::builder().spawn().await;
    let response = get(&app, "/explore").await;
    assert_eq!(response.status(), StatusCode::OK);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .expect("a header")
        .to_owned();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    let html = response.text().await.expect("a page");
    assert!(!html.contains("://"), "no absolute URL in the page");
    assert!(!html.contains("<script>"), "no inline script");
    for hook in ["data-search", "data-panel"] {
        assert!(html.contains(hook), "the page has {hook}");
    }
    let assets: Vec<&str> = html
        .split("\"/explore/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(assets.contains(&"explorer.js"), "{assets:?}");
    for path in assets {
        let response = get(&app, &format!("/explore/{path}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(response.headers().contains_key("etag"), "{path}");
        let body = response.text().await.expect("a body");
        assert!(!body.is_empty(), "{path}");
    }
}

#[tokio::test]
async fn the_map_data_and_the_licences_are_served() {
    let app = TestApp::builder().spawn().await;
    let atlas = get(&app, "/explore/vendor/countries-110m-2.0.2.json").await;
    assert_eq!(atlas.status(), StatusCode::OK);
    assert!(atlas.headers()["cache-control"]
        .to_str()
        .expect("a header")
        .contains("immutable"));
    let topology: serde_json::Value = atlas.json().await.expect("TopoJSON");
    assert_eq!(topology["type"], "Topology");
    assert!(topology["objects"]["countries"]["geometries"]
        .as_array()
        .is_some_and(|countries| countries.len() > 150));
    let licences = get(&app, "/explore/vendor/LICENSES.txt")
        .await
        .text()
        .await
        .expect("text");
    for package in ["d3-geo@", "d3-force@", "topojson-client@", "world-atlas@"] {
        assert!(licences.contains(package), "the licence of {package}");
    }
    assert_eq!(
        get(&app, "/explore/../Cargo.toml").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn explorer_off_removes_the_page_and_its_assets() {
    let app = TestApp::builder().env("EXPLORER", "off").spawn().await;
    assert_eq!(get(&app, "/explore").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get(&app, "/explore/explorer.js").await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Where the playground is off (production's default), the explorer hides its links to it.
#[tokio::test]
async fn without_the_playground_the_explorer_hides_its_links() {
    let app = TestApp::builder().env("PLAYGROUND", "off").spawn().await;
    let page = get(&app, "/explore").await.text().await.expect("a page");
    assert!(page.contains(r#"<body data-playground="off">"#));
    let on = TestApp::builder().env("PLAYGROUND", "on").spawn().await;
    let page = get(&on, "/explore").await.text().await.expect("a page");
    assert!(!page.contains("data-playground=\"off\""));
}

/// The explorer's "open in playground" link: a browser asking for `/graphql?query=…` gets the
/// playground (which reads the query from the address), not the query's result.
#[tokio::test]
async fn a_shared_query_opens_the_playground() {
    let app = TestApp::builder().spawn().await;
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[("query", "{ city(slug: \"rostock\") { name } }")])
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.expect("a page").contains("graphiql"));
}
