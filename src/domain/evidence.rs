//! What a membership or an event rests on: a sentence of its source (`Stated`, quoted), or the
//! page listing it (`Listed`, with the heading as quote where there is one).

use entity::statement::EvidenceKind;

use super::{bad, Description};
use crate::error::AppResult;

/// Checked evidence: a `Stated` record always has its quote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    kind: EvidenceKind,
    quote: Option<Description>,
}

impl Evidence {
    /// The evidence given at `field` (`field.quote` names the quote).
    pub fn parse(field: &str, kind: EvidenceKind, quote: Option<&str>) -> AppResult<Self> {
        let quote_field = format!("{field}.quote");
        let quote = Description::parse_optional(&quote_field, quote)?;
        if kind == EvidenceKind::Stated && quote.is_none() {
            return Err(bad(
                &quote_field,
                "Stated evidence needs the sentence that states it as its quote.",
            ));
        }
        Ok(Self { kind, quote })
    }

    /// The row's two columns: the kind and the quote.
    pub fn into_columns(self) -> (EvidenceKind, Option<String>) {
        (self.kind, self.quote.map(Description::into_inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stated_evidence_needs_its_quote() {
        let err = Evidence::parse("input.evidence", EvidenceKind::Stated, None).unwrap_err();
        assert_eq!(err.field(), Some("input.evidence.quote"));
        assert!(Evidence::parse("input.evidence", EvidenceKind::Stated, Some(" ")).is_err());
        let listed = Evidence::parse("input.evidence", EvidenceKind::Listed, None).unwrap();
        assert_eq!(listed.into_columns(), (EvidenceKind::Listed, None));
        let stated = Evidence::parse(
            "input.evidence",
            EvidenceKind::Stated,
            Some("Rostock is a member."),
        )
        .unwrap();
        assert_eq!(
            stated.into_columns(),
            (
                EvidenceKind::Stated,
                Some("Rostock is a member.".to_owned())
            )
        );
    }
}
