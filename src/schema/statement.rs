//! How precisely a record states what its source says: `Evidence` (the sentence, or that the
//! page only lists it) and `CountQualifier` ("about 100", "more than 1,500").

use async_graphql::{Enum, SimpleObject};
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
