//! `GET /graphql/schema.graphql`: the schema as a file, in GraphQL SDL, for the tools that build
//! clients from it (gql, graphql-codegen, sgqlc, ariadne-codegen, cynic) wherever introspection
//! is off, as it is in production. The schema is the API's published contract (GitHub publishes
//! its own), so the file is served in production too unless `SCHEMA_DOWNLOAD=off`. It is the
//! same for every request until the server restarts: it is rendered once, with a weak `ETag`
//! (weak, as the compression middleware may send it gzipped or as it is).

use actix_web::{
    http::header::{self, HeaderValue},
    web, HttpRequest, HttpResponse,
};

/// The rendered file and its validator.
pub(super) struct SchemaFile {
    sdl: String,
    tag: String,
}

/// Caches may keep the file for five minutes, then revalidate it by its `ETag`: a deployment
/// with another schema reaches every client within that time.
const CACHE_CONTROL: &str = "public, max-age=300";

impl SchemaFile {
    pub(super) fn new(sdl: String) -> Self {
        let tag = super::caching::entity_tag(sdl.as_bytes());
        Self { sdl, tag }
    }
}

/// The SDL, or `304 Not Modified` when the client holds this version.
pub(super) async fn download(req: HttpRequest, file: web::Data<SchemaFile>) -> HttpResponse {
    let mut response = if super::caching::client_holds(&req, &file.tag) {
        HttpResponse::NotModified().finish()
    } else {
        HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(file.sdl.clone())
    };
    let headers = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&file.tag) {
        headers.insert(header::ETAG, tag);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline; filename=\"schema.graphql\""),
    );
    response
}
