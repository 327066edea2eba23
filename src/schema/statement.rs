//! How precisely a record states what its source says: `Evidence` (the sentence, or that the
//! page only lists it) and `CountQualifier` ("about 100", "more than 1,500").

use async_graphql::{InputObject, SimpleObject};

use super::enums::EvidenceKind;
use entity::statement;

/// What a membership or an event rests on, as `createMembership`, `updateMembership`,
/// `createEvent` and `updateEvent` take it.
#[derive(InputObject, Clone, Debug)]
pub struct EvidenceInput {
    /// Stated by a sentence (then `quote` is required), or only listed.
    pub kind: EvidenceKind,
    /// The sentence, verbatim from the source document (for `LISTED`: the heading, if any); at
    /// most 5 000 characters.
    pub quote: Option<String>,
}

impl EvidenceInput {
    /// The checked evidence; problems are named under `field`.
    pub fn parse(self, field: &str) -> crate::error::AppResult<crate::domain::Evidence> {
        crate::domain::Evidence::parse(field, self.kind.into(), self.quote.as_deref())
    }
}

/// What a membership or an event rests on in its source document.
#[derive(SimpleObject, Clone, Debug)]
pub struct Evidence {
    /// Stated by a sentence, or only listed.
    pub kind: EvidenceKind,
    /// Verbatim from the source document.
    pub quote: Option<String>,
}

impl Evidence {
    /// The evidence recorded in a row's two columns, if any.
    pub fn of(kind: Option<statement::EvidenceKind>, quote: &Option<String>) -> Option<Self> {
        kind.map(|kind| Self {
            kind: kind.into(),
            quote: quote.clone(),
        })
    }
}
