//! The playground: GraphiQL served entirely from this binary, under a strict
//! Content-Security-Policy that the page sets itself.
//!
//! `assets/playground/` holds the page, its start-up script and stylesheet; `vendor/` holds
//! GraphiQL and React, copied verbatim (with their licences) from npm packages pinned by version
//! and integrity hash in `playground/vendor.json` (`node playground/build.mjs` refreshes them,
//! `--check` verifies them; CI runs the check).

use actix_web::{web, HttpRequest, HttpResponse};

use super::embedded::{self, asset, Asset, Assets, CSS, JS, TEXT};

/// Only this server's own scripts, styles and connections (HTTP and WebSocket); fonts and icons
/// that GraphiQL's stylesheet inlines as `data:` URLs; nothing may frame the page.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static LIST: [Asset; 9] = [
    asset!("playground", "playground.js", JS, false),
    asset!("playground", "playground.css", CSS, false),
    asset!("playground", "vendor/graphiql-4.1.2.min.js", JS, true),
    asset!("playground", "vendor/graphiql-4.1.2.min.css", CSS, true),
    asset!(
        "playground",
        "vendor/react-18.3.1.production.min.js",
        JS,
        true
    ),
    asset!(
        "playground",
        "vendor/react-dom-18.3.1.production.min.js",
        JS,
        true
    ),
    asset!("playground", "vendor/LICENSE.graphiql", TEXT, true),
    asset!("playground", "vendor/LICENSE.react", TEXT, true),
    asset!("playground", "vendor/LICENSE.react-dom", TEXT, true),
];
static ASSETS: Assets = Assets::new(&LIST);

const PAGE: &[u8] = include_bytes!("../../assets/playground/index.html");

/// The playground page, with its security headers.
pub fn page() -> HttpResponse {
    embedded::page(PAGE, CONTENT_SECURITY_POLICY)
}

/// `GET /playground/{path}`: an embedded asset.
pub async fn asset(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    ASSETS.serve(&req, &path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_the_page_names_is_served() {
        embedded::assert_page_is_self_contained(PAGE, "playground", &ASSETS);
    }
}
