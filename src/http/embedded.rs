//! Files compiled into the binary and served from it — the playground's and the explorer's
//! pages, scripts, stylesheets and data — so that both work on an air-gapped machine. Each page
//! sets its own strict Content-Security-Policy; assets are revalidated by `ETag`, and vendored
//! files, which carry their version in their name, are cached for a year.

use std::sync::OnceLock;

use actix_web::{
    http::header::{self, HeaderValue},
    HttpRequest, HttpResponse,
};
use sha2::{Digest, Sha256};

pub const JS: &str = "text/javascript; charset=utf-8";
pub const CSS: &str = "text/css; charset=utf-8";
pub const TEXT: &str = "text/plain; charset=utf-8";
pub const JSON: &str = "application/json";

/// One embedded file.
pub struct Asset {
    /// The path under the bundle's prefix (`/playground/`, `/explore/`).
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
    /// Vendored files carry their version in their name, so they never change under a path.
    pub versioned: bool,
}

/// An embedded file of `assets/<dir>/`.
macro_rules! asset {
    ($dir:literal, $path:literal, $content_type:expr, $versioned:literal) => {
        $crate::http::embedded::Asset {
            path: $path,
            content_type: $content_type,
            body: include_bytes!(concat!("../../assets/", $dir, "/", $path)),
            versioned: $versioned,
        }
    };
}
pub(crate) use asset;

/// The assets of one page, with their entity tags (digests of their bytes, computed once).
pub struct Assets {
    list: &'static [Asset],
    etags: OnceLock<Vec<String>>,
}

impl Assets {
    pub const fn new(list: &'static [Asset]) -> Self {
        Self {
            list,
            etags: OnceLock::new(),
        }
    }

    #[cfg(test)]
    pub fn contains(&self, path: &str) -> bool {
        self.list.iter().any(|asset| asset.path == path)
    }

    fn etags(&self) -> &[String] {
        self.etags.get_or_init(|| {
            self.list
                .iter()
                .map(|asset| {
                    let digest = Sha256::digest(asset.body);
                    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
                    // Weak: the compression middleware sends these bytes gzipped or as they
                    // are, and a strong tag would name both encodings alike (RFC 9110 §8.8.1).
                    format!("W/\"{hex}\"")
                })
                .collect()
        })
    }

    /// The asset at `path`, revalidated by `ETag`; `404` for a path that is not embedded.
    pub async fn serve(&self, req: &HttpRequest, path: &str) -> HttpResponse {
        let Some(index) = self.list.iter().position(|asset| asset.path == path) else {
            return super::errors::not_found().await;
        };
        let asset = &self.list[index];
        let etag = &self.etags()[index];
        let cache_control = if asset.versioned {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=0, must-revalidate"
        };
        let unchanged = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|tags| {
                tags.split(',')
                    .any(|tag| tag.trim().trim_start_matches("W/") == etag.trim_start_matches("W/"))
            });
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
}

/// An HTML page under `content_security_policy`, never cached without revalidation.
pub fn page(body: &'static [u8], content_security_policy: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, content_security_policy))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// Every `"/<prefix>/…"` path that `page` names is in `assets`, and the page names no other
/// host.
#[cfg(test)]
pub fn assert_page_is_self_contained(page: &[u8], prefix: &str, assets: &Assets) {
    let page = std::str::from_utf8(page).expect("a UTF-8 page");
    for reference in page.split(&format!("\"/{prefix}/")).skip(1) {
        let path = reference.split('"').next().unwrap_or_default();
        assert!(
            assets.contains(path),
            "the page loads /{prefix}/{path}, which is not embedded"
        );
    }
    assert!(!page.contains("http://") && !page.contains("https://"));
}
