//! How precisely a record states what its source says: `Evidence` (the sentence, or that the
//! page only lists it) and `CountQualifier` ("about 100", "more than 1,500").

use async_graphql::{Enum, InputObject, SimpleObject};
use entity::statement;

/// Whether a sentence of the source states a record, or the page only lists it.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvidenceKind {
    /// A sentence of the source states it; `quote` is that sentence, verbatim.
    Stated,
    /// The page presents it among others (a heading, a list) without a sentence stating it;
    /// `quote` is the heading, where there is one.
    Listed,
}

impl From<statement::EvidenceKind> for EvidenceKind {
    fn from(kind: statement::EvidenceKind) -> Self {
        match kind {
            statement::EvidenceKind::Stated => Self::Stated,
            statement::EvidenceKind::Listed => Self::Listed,
        }
    }
}

impl From<EvidenceKind> for statement::EvidenceKind {
    fn from(kind: EvidenceKind) -> Self {
        match kind {
            EvidenceKind::Stated => Self::Stated,
            EvidenceKind::Listed => Self::Listed,
        }
    }
}

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

/// How a source qualifies a count.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountQualifier {
    /// The count as stated ("includes 22 cities").
    Exact,
    /// "About 100".
    About,
    /// "More than 1,500".
    MoreThan,
    /// "Almost 142".
    Almost,
}

impl From<statement::CountQualifier> for CountQualifier {
    fn from(qualifier: statement::CountQualifier) -> Self {
        match qualifier {
            statement::CountQualifier::Exact => Self::Exact,
            statement::CountQualifier::About => Self::About,
            statement::CountQualifier::MoreThan => Self::MoreThan,
            statement::CountQualifier::Almost => Self::Almost,
        }
    }
}

impl From<CountQualifier> for statement::CountQualifier {
    fn from(qualifier: CountQualifier) -> Self {
        match qualifier {
            CountQualifier::Exact => Self::Exact,
            CountQualifier::About => Self::About,
            CountQualifier::MoreThan => Self::MoreThan,
            CountQualifier::Almost => Self::Almost,
        }
    }
}
