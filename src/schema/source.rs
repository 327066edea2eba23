//! `Source`: the document a record was taken from, and `source_of`, which every sourced type
//! (place, network, membership, event) resolves its `source` field with.

use async_graphql::{Context, Object, Result};
use entity::source;

use super::load;
use crate::loaders::by_id::SourceId;

/// A source document that seeded records cite (kept verbatim in `seeds/sources/`).
pub struct Source(pub source::Model);

/// A published document that records were taken from: the evidence for a place, network,
/// membership or event. Citynet keeps a verbatim copy of each (see `document`).
#[Object]
impl Source {
    /// The source's stable short name, e.g. `rostock`.
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// The document's title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Who published the document, e.g. "City of Rostock".
    async fn publisher(&self) -> &str {
        &self.0.publisher
    }
    /// The path of the document's verbatim copy in the Citynet repository, e.g.
    /// `seeds/sources/000_3f2f3118c1dd9723.txt`.
    async fn document(&self) -> &str {
        &self.0.document
    }
}

/// Loads a record's source document, if it has one.
pub(super) async fn source_of(ctx: &Context<'_>, source_id: Option<i32>) -> Result<Option<Source>> {
    match source_id {
        Some(id) => Ok(load(ctx, SourceId(id)).await?.map(Source)),
        None => Ok(None),
    }
}
