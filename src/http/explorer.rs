//! The explorer (`/explore`): a map and a graph of the places and networks, for people who would
//! rather look than write GraphQL. A page of this binary that uses only the public GraphQL API
//! (persisted queries over GET, like any frontend), so it is also the reference integration.
//!
//! Its TypeScript source is in `explorer/`; `node explorer/build.mjs` bundles it with its pinned
//! npm packages (d3, topojson-client, world-atlas' Natural Earth outlines) into
//! `assets/explorer/`, with their licences, and `--check` verifies the committed build (CI).

use std::sync::LazyLock;

use actix_web::{web, HttpRequest, HttpResponse};

use super::embedded::{self, asset, Asset, Assets, CSS, JS, JSON, TEXT};

/// Only this server's own script, styles and API; nothing may frame the page.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

static LIST: [Asset; 4] = [
    asset!("explorer", "explorer.js", JS, false),
    asset!("explorer", "explorer.css", CSS, false),
    asset!("explorer", "vendor/countries-110m-2.0.2.json", JSON, true),
    asset!("explorer", "vendor/LICENSES.txt", TEXT, false),
];
static ASSETS: Assets = Assets::new(&LIST);

const PAGE: &[u8] = include_bytes!("../../assets/explorer/index.html");

/// The page for a server without the playground: it hides "open in playground".
static PAGE_WITHOUT_PLAYGROUND: LazyLock<Vec<u8>> = LazyLock::new(|| {
    String::from_utf8_lossy(PAGE)
        .replacen("<body>", r#"<body data-playground="off">"#, 1)
        .into_bytes()
});

/// `GET /explore`: the explorer page, with its security headers.
pub async fn page() -> HttpResponse {
    embedded::page(PAGE, CONTENT_SECURITY_POLICY)
}

/// `GET /explore` where the playground is switched off.
pub async fn page_without_playground() -> HttpResponse {
    embedded::page(PAGE_WITHOUT_PLAYGROUND.as_slice(), CONTENT_SECURITY_POLICY)
}

/// `GET /explore/{path}`: an embedded asset.
pub async fn asset(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    ASSETS.serve(&req, &path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_the_page_names_is_served() {
        embedded::assert_page_is_self_contained(PAGE, "explore", &ASSETS);
    }

    #[test]
    fn without_the_playground_the_page_says_so() {
        let page = String::from_utf8_lossy(&PAGE_WITHOUT_PLAYGROUND);
        assert!(page.contains(r#"<body data-playground="off">"#));
    }
}
