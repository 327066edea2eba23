//! `Source`: the document a record was taken from.

use async_graphql::Object;
use entity::source;

/// A source document that seeded records cite (kept verbatim in `seeds/sources/`).
pub struct Source(pub source::Model);

#[Object]
impl Source {
    /// Stable short name, e.g. `rostock`.
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Who published it, e.g. "City of Rostock".
    async fn publisher(&self) -> &str {
        &self.0.publisher
    }
    /// Path of the verbatim copy in the Citynet repository.
    async fn document(&self) -> &str {
        &self.0.document
    }
}
