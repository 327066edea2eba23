//! Seed data: the human-editable TOML files in `seeds/`, compiled into the binary so that it runs
//! anywhere, and imported into an empty database by the same code as `citynet import` (one
//! validator, one writer, one transaction). The seed adds two rules of its own: every record
//! names its source, and every quote is verbatim in the source document it names.

use anyhow::{ensure, Context};
use entity::{prelude::*, statement::EvidenceKind};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::data::{
    import::{self, Input, Summary},
    records::{Dataset, EvidenceRecord},
};

/// The seed files, embedded at build time (a rebuild picks up edits), in the order their
/// references need.
const FILES: [(&str, &str); 6] = [
    ("seeds/sources.toml", include_str!("../seeds/sources.toml")),
    ("seeds/places.toml", include_str!("../seeds/places.toml")),
    (
        "seeds/networks.toml",
        include_str!("../seeds/networks.toml"),
    ),
    (
        "seeds/memberships.toml",
        include_str!("../seeds/memberships.toml"),
    ),
    ("seeds/events.toml", include_str!("../seeds/events.toml")),
    (
        "seeds/twinnings.toml",
        include_str!("../seeds/twinnings.toml"),
    ),
];

/// The source documents (`document` in sources.toml), against which every quote is checked.
const DOCUMENTS: [(&str, &str); 2] = [
    (
        "seeds/sources/000_3f2f3118c1dd9723.txt",
        include_str!("../seeds/sources/000_3f2f3118c1dd9723.txt"),
    ),
    (
        "seeds/sources/004_1d6b4391165997a1.txt",
        include_str!("../seeds/sources/004_1d6b4391165997a1.txt"),
    ),
];

/// Everything in `seeds/`, parsed, for the seed's own rules (the import checks the rest).
#[derive(Debug)]
pub struct SeedData(Dataset);

impl SeedData {
    /// Parses the seed files compiled into this binary and checks the seed's own rules.
    pub fn embedded() -> anyhow::Result<Self> {
        let mut data = Dataset::default();
        for (name, text) in FILES {
            let file: Dataset =
                toml::from_str(text).with_context(|| format!("{name} is not valid"))?;
            data.sources.extend(file.sources);
            data.places.extend(file.places);
            data.networks.extend(file.networks);
            data.memberships.extend(file.memberships);
            data.events.extend(file.events);
            data.twinnings.extend(file.twinnings);
        }
        let data = Self(data);
        data.validate()?;
        Ok(data)
    }

    /// Every record names its source, and every quote is verbatim in that source's document.
    fn validate(&self) -> anyhow::Result<()> {
        let Dataset {
            places,
            networks,
            memberships,
            events,
            twinnings,
            ..
        } = &self.0;
        let sources = places
            .iter()
            .map(|p| ("places", &p.source))
            .chain(networks.iter().map(|n| ("networks", &n.source)))
            .chain(memberships.iter().map(|m| ("memberships", &m.source)))
            .chain(events.iter().map(|e| ("events", &e.source)))
            .chain(twinnings.iter().map(|t| ("twinnings", &t.source)));
        for (table, source) in sources {
            ensure!(
                source.is_some(),
                "seeds/{table}.toml: a record names no source"
            );
        }
        let evidence = memberships
            .iter()
            .map(|m| ("memberships", &m.source, &m.evidence))
            .chain(events.iter().map(|e| ("events", &e.source, &e.evidence)));
        for (table, source, evidence) in evidence {
            if let Some(evidence) = evidence {
                self.check_evidence(table, source.as_deref(), evidence)?;
            }
        }
        Ok(())
    }

    /// A `stated` record quotes a sentence, and every quote is verbatim in its source document.
    fn check_evidence(
        &self,
        table: &str,
        source: Option<&str>,
        evidence: &EvidenceRecord,
    ) -> anyhow::Result<()> {
        let Some(quote) = &evidence.quote else {
            ensure!(
                evidence.kind == EvidenceKind::Listed,
                "seeds/{table}.toml: stated evidence needs the sentence as `quote`"
            );
            return Ok(());
        };
        let document = self
            .0
            .sources
            .iter()
            .find(|s| Some(s.key.as_str()) == source)
            .and_then(|s| DOCUMENTS.iter().find(|(path, _)| *path == s.document))
            .map(|(_, text)| *text);
        if let Some(document) = document {
            ensure!(
                document.contains(quote.as_str()),
                "seeds/{table}.toml: the quote {quote:?} is not verbatim in source {source:?}"
            );
        }
        Ok(())
    }
}

/// Loads the embedded seed data unless the database already holds data. Returns what it wrote,
/// or `None` when there was something there already (so a restart loads nothing twice).
pub async fn seed_if_empty(db: &DatabaseConnection) -> anyhow::Result<Option<Summary>> {
    let existing = Place::find().count(db).await? + Network::find().count(db).await?;
    if existing > 0 {
        return Ok(None);
    }
    SeedData::embedded()?;
    let inputs = FILES.map(|(name, text)| Input::Toml { name, text });
    let summary = import::import(db, &inputs, false)
        .await
        .context("importing the seed files")?;
    Ok(Some(summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_seed_files_parse_and_validate() {
        let SeedData(data) = SeedData::embedded().expect("seed files are valid");
        assert!(data.places.len() >= 22);
        assert_eq!(data.sources.len(), 2);
    }

    #[test]
    fn every_source_document_is_embedded_for_the_quote_check() {
        let SeedData(data) = SeedData::embedded().expect("seed files are valid");
        for source in &data.sources {
            assert!(
                DOCUMENTS.iter().any(|(path, _)| *path == source.document),
                "{} is not in DOCUMENTS",
                source.document
            );
        }
    }

    #[test]
    fn a_quote_that_is_not_verbatim_is_refused() {
        let mut data = SeedData::embedded().expect("seed files are valid");
        let stated = data
            .0
            .memberships
            .iter_mut()
            .find_map(|m| m.evidence.as_mut().filter(|e| e.quote.is_some()))
            .expect("a stated membership");
        // A straight apostrophe for a curly one, or one word changed: no longer verbatim.
        stated.quote = stated.quote.as_ref().map(|q| format!("{q} (paraphrased)"));
        let err = data.validate().expect_err("refused");
        assert!(err.to_string().contains("not verbatim"), "{err}");
    }

    #[test]
    fn every_source_document_is_in_the_repository() {
        let SeedData(data) = SeedData::embedded().expect("seed files are valid");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for source in &data.sources {
            assert!(root.join(&source.document).is_file(), "{}", source.document);
        }
    }
}
