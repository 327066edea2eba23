//! The playground: GraphiQL served entirely from this binary, so it works on an air-gapped
//! machine, under a strict Content-Security-Policy that the page sets itself.
//!
//! `assets/playground/` holds the page, its start-up script and stylesheet; `vendor/` holds
//! GraphiQL and React, copied verbatim (with their licences) from npm packages pinned by version
//! and integrity hash in `playground/vendor.json` (`node playground/build.mjs` refreshes them,
//! `--check` verifies them; CI runs the check).

use std::sync::LazyLock;

use actix_web::{
    http::header::{self, HeaderValue},
    web, HttpRequest, HttpResponse,
};
use sha2::{Digest, Sha256};

/// Only this server's own scripts, styles and connections (HTTP and WebSocket); fonts and icons
/// that GraphiQL's stylesheet inlines as `data:` URLs; nothing may frame the page.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct Asset {
    /// The path under `/playground/`.
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    /// Vendored files carry their version in their name, so they never change under a path.
    versioned: bool,
}

macro_rules! asset {
    ($path:literal, $content_type:expr, $versioned:literal) => {
        Asset {
            path: $path,
            content_type: $content_type,
            body: include_bytes!(concat!("../../assets/playground/", $path)),
            versioned: $versioned,
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

static ASSETS: [Asset; 9] = [
    asset!("playground.js", JS, false),
    asset!("playground.css", CSS, false),
    asset!("vendor/graphiql-4.1.2.min.js", JS, true),
    asset!("vendor/graphiql-4.1.2.min.css", CSS, true),
    asset!("vendor/react-18.3.1.production.min.js", JS, true),
    asset!("vendor/react-dom-18.3.1.production.min.js", JS, true),
    asset!("vendor/LICENSE.graphiql", TEXT, true),
    asset!("vendor/LICENSE.react", TEXT, true),
    asset!("vendor/LICENSE.react-dom", TEXT, true),
];

const PAGE: &[u8] = include_bytes!("../../assets/playground/index.html");

/// Each asset's entity tag (a digest of its bytes), computed once.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let digest = Sha256::digest(asset.body);
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            format!("\"{hex}\"")
        })
        .collect()
});

/// The playground page, with its security headers.
pub fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

/// `GET /playground/{path}`: an embedded asset, revalidated by `ETag`; versioned files are
/// cached for a year.
pub async fn asset(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let Some(index) = ASSETS.iter().position(|asset| asset.path == path.as_str()) else {
        return super::errors::not_found().await;
    };
    let asset = &ASSETS[index];
    let etag = &ETAGS[index];
    let cache_control = if asset.versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=0, must-revalidate"
    };
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((
            header::ETAG,
            HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"\"")),
        ))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if unchanged {
        return response.finish();
    }
    response.content_type(asset.content_type).body(asset.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_the_page_names_is_served() {
        let page = std::str::from_utf8(PAGE).unwrap();
        for reference in page.split("\"/playground/").skip(1) {
            let path = reference.split('"').next().unwrap();
            assert!(
                ASSETS.iter().any(|asset| asset.path == path),
                "the page loads /playground/{path}, which is not embedded"
            );
        }
        assert!(!page.contains("http://") && !page.contains("https://"));
    }
}
