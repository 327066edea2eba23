//! Seed data: the human-editable TOML files in `seeds/`, compiled into the binary so that it runs
//! anywhere, validated, and loaded in one transaction into an empty database.

use std::collections::{HashMap, HashSet};

use anyhow::{bail, ensure, Context};
use entity::{
    event, event_participant, membership, network, network_topic, place,
    prelude::*,
    source,
    statement::{AlternateNames, EvidenceKind},
    twinning,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, TransactionTrait,
};
use serde::Deserialize;

use crate::slug::is_valid_slug;

/// The seed files, embedded at build time (a rebuild picks up edits).
const SOURCES_TOML: &str = include_str!("../seeds/sources.toml");
const PLACES_TOML: &str = include_str!("../seeds/places.toml");
const NETWORKS_TOML: &str = include_str!("../seeds/networks.toml");
const MEMBERSHIPS_TOML: &str = include_str!("../seeds/memberships.toml");
const EVENTS_TOML: &str = include_str!("../seeds/events.toml");
const TWINNINGS_TOML: &str = include_str!("../seeds/twinnings.toml");
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

pub use crate::data::records::{
    EventRecord as EventSeed, EvidenceRecord as EvidenceSeed, MembershipRecord as MembershipSeed,
    NetworkRecord as NetworkSeed, PlaceRecord as PlaceSeed, SourceRecord as SourceSeed,
    TwinningRecord as TwinningSeed,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourcesFile {
    source: Vec<SourceSeed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlacesFile {
    place: Vec<PlaceSeed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworksFile {
    network: Vec<NetworkSeed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MembershipsFile {
    membership: Vec<MembershipSeed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsFile {
    event: Vec<EventSeed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TwinningsFile {
    twinning: Vec<TwinningSeed>,
}

/// Everything in `seeds/`, parsed.
#[derive(Debug)]
pub struct SeedData {
    pub sources: Vec<SourceSeed>,
    pub places: Vec<PlaceSeed>,
    pub networks: Vec<NetworkSeed>,
    pub memberships: Vec<MembershipSeed>,
    pub events: Vec<EventSeed>,
    pub twinnings: Vec<TwinningSeed>,
}

/// What a load wrote, for the start-up log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub places: usize,
    pub networks: usize,
    pub memberships: usize,
    pub events: usize,
    pub participants: usize,
    pub twinnings: usize,
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} places, {} networks, {} memberships, {} events ({} named participants), {} twinnings",
            self.places,
            self.networks,
            self.memberships,
            self.events,
            self.participants,
            self.twinnings
        )
    }
}

impl SeedData {
    /// Parses and validates the seed files compiled into this binary.
    pub fn embedded() -> anyhow::Result<Self> {
        let data = Self {
            sources: parse::<SourcesFile>("sources.toml", SOURCES_TOML)?.source,
            places: parse::<PlacesFile>("places.toml", PLACES_TOML)?.place,
            networks: parse::<NetworksFile>("networks.toml", NETWORKS_TOML)?.network,
            memberships: parse::<MembershipsFile>("memberships.toml", MEMBERSHIPS_TOML)?.membership,
            events: parse::<EventsFile>("events.toml", EVENTS_TOML)?.event,
            twinnings: parse::<TwinningsFile>("twinnings.toml", TWINNINGS_TOML)?.twinning,
        };
        data.validate()?;
        Ok(data)
    }

    /// Checks what the database would also refuse, with messages that point into the files.
    fn validate(&self) -> anyhow::Result<()> {
        let sources = unique_keys("sources.toml", self.sources.iter().map(|s| &s.key))?;
        let places = unique_keys("places.toml", self.places.iter().map(|p| &p.slug))?;
        let networks = unique_keys("networks.toml", self.networks.iter().map(|n| &n.slug))?;
        let known = |set: &HashSet<&str>, file: &str, what: &str, key: &str| {
            ensure!(set.contains(key), "{file}: unknown {what} {key:?}");
            Ok(())
        };
        for place in &self.places {
            ensure!(
                is_valid_slug(&place.slug),
                "places.toml: bad slug {:?}",
                place.slug
            );
            if let Some(code) = &place.country_code {
                ensure!(
                    code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()),
                    "places.toml: {}: country code {code:?} is not ISO 3166-1 alpha-2",
                    place.slug
                );
            }
            required_source(&sources, "places.toml", &place.source)?;
        }
        for network in &self.networks {
            ensure!(
                is_valid_slug(&network.slug),
                "networks.toml: bad slug {:?}",
                network.slug
            );
            if let Some(founded_in) = &network.founded_in {
                known(&places, "networks.toml", "place", founded_in)?;
            }
            required_source(&sources, "networks.toml", &network.source)?;
        }
        let mut pairs = HashSet::new();
        for m in &self.memberships {
            known(&networks, "memberships.toml", "network", &m.network)?;
            known(&places, "memberships.toml", "place", &m.place)?;
            required_source(&sources, "memberships.toml", &m.source)?;
            ensure!(
                pairs.insert((&m.place, &m.network)),
                "memberships.toml: {} is listed twice in {}",
                m.place,
                m.network
            );
        }
        for e in &self.events {
            known(&networks, "events.toml", "network", &e.network)?;
            if let Some(host) = &e.host {
                known(&places, "events.toml", "place", host)?;
            }
            for p in &e.participants {
                known(&places, "events.toml", "place", p)?;
            }
            required_source(&sources, "events.toml", &e.source)?;
        }
        for (file, source, evidence) in self
            .memberships
            .iter()
            .map(|m| ("memberships.toml", &m.source, &m.evidence))
            .chain(
                self.events
                    .iter()
                    .map(|e| ("events.toml", &e.source, &e.evidence)),
            )
        {
            if let Some(evidence) = evidence {
                self.check_evidence(file, source.as_deref(), evidence)?;
            }
        }
        for network in &self.networks {
            ensure!(
                network.reported_member_count_qualifier.is_none()
                    || network.reported_member_count.is_some(),
                "networks.toml: {}: a count qualifier without a count",
                network.slug
            );
        }
        for t in &self.twinnings {
            let [a, b] = &t.places;
            ensure!(a != b, "twinnings.toml: {a} is twinned with itself");
            known(&places, "twinnings.toml", "place", a)?;
            known(&places, "twinnings.toml", "place", b)?;
            required_source(&sources, "twinnings.toml", &t.source)?;
        }
        Ok(())
    }
}

impl SeedData {
    /// A `stated` record quotes a sentence, and every quote is verbatim in its source document.
    fn check_evidence(
        &self,
        file: &str,
        source: Option<&str>,
        evidence: &EvidenceSeed,
    ) -> anyhow::Result<()> {
        let Some(quote) = &evidence.quote else {
            ensure!(
                evidence.kind == EvidenceKind::Listed,
                "{file}: stated evidence needs the sentence as `quote`"
            );
            return Ok(());
        };
        let document = self
            .sources
            .iter()
            .find(|s| Some(s.key.as_str()) == source)
            .and_then(|s| DOCUMENTS.iter().find(|(path, _)| *path == s.document))
            .map(|(_, text)| *text);
        if let Some(document) = document {
            ensure!(
                document.contains(quote.as_str()),
                "{file}: the quote {quote:?} is not verbatim in source {source:?}"
            );
        }
        Ok(())
    }
}

/// Every seed record names its source, one of sources.toml's.
fn required_source(
    sources: &HashSet<&str>,
    file: &str,
    source: &Option<String>,
) -> anyhow::Result<()> {
    let Some(key) = source else {
        bail!("{file}: a record names no source");
    };
    ensure!(
        sources.contains(key.as_str()),
        "{file}: unknown source {key:?}"
    );
    Ok(())
}

fn parse<'a, T: Deserialize<'a>>(file: &str, text: &'a str) -> anyhow::Result<T> {
    toml::from_str(text).with_context(|| format!("seeds/{file} is not valid"))
}

fn unique_keys<'a>(
    file: &str,
    keys: impl Iterator<Item = &'a String>,
) -> anyhow::Result<HashSet<&'a str>> {
    let mut set = HashSet::new();
    for key in keys {
        if !set.insert(key.as_str()) {
            bail!("{file}: {key:?} appears twice");
        }
    }
    Ok(set)
}

/// Loads the embedded seed data unless the database already holds data. Returns what it loaded,
/// or `None` when there was something there already (so a restart loads nothing twice).
pub async fn seed_if_empty(db: &DatabaseConnection) -> anyhow::Result<Option<SeedReport>> {
    let existing = Place::find().count(db).await? + Network::find().count(db).await?;
    if existing > 0 {
        return Ok(None);
    }
    let data = SeedData::embedded()?;
    let txn = db.begin().await?;
    let report = load(&txn, &data).await?;
    crate::changes::feed::log_bulk_write(&txn).await?;
    txn.commit().await?;
    Ok(Some(report))
}

/// Inserts `data` inside `txn`, a table at a time in the order the foreign keys ask for; the
/// caller commits, so a failure leaves nothing behind.
async fn load(txn: &DatabaseTransaction, data: &SeedData) -> anyhow::Result<SeedReport> {
    let sources = insert_sources(txn, &data.sources).await?;
    let places = insert_places(txn, &data.places, &sources).await?;
    let networks = insert_networks(txn, &data.networks, &sources, &places).await?;
    insert_memberships(txn, &data.memberships, &sources, &places, &networks).await?;
    let participants = insert_events(txn, &data.events, &sources, &places, &networks).await?;
    insert_twinnings(txn, &data.twinnings, &sources, &places).await?;
    let report = SeedReport {
        places: data.places.len(),
        networks: data.networks.len(),
        memberships: data.memberships.len(),
        events: data.events.len(),
        participants,
        twinnings: data.twinnings.len(),
    };
    crate::service::search_index::reindex_all(txn).await?;
    Ok(report)
}

/// The ids of the rows inserted so far, by their key in the seed files (a source's key, a place's
/// or network's slug).
struct Ids<'a> {
    what: &'static str,
    ids: HashMap<&'a str, i32>,
}

impl<'a> Ids<'a> {
    fn new(what: &'static str) -> Self {
        Self {
            what,
            ids: HashMap::new(),
        }
    }

    fn insert(&mut self, key: &'a str, id: i32) {
        self.ids.insert(key, id);
    }

    /// The id of `key`; an error names the key (validation has already refused unknown ones).
    fn get(&self, key: &str) -> anyhow::Result<i32> {
        self.ids
            .get(key)
            .copied()
            .with_context(|| format!("unknown {} {key:?}", self.what))
    }

    /// A source is recorded where known and left empty otherwise.
    fn get_optional(&self, key: Option<&str>) -> Option<i32> {
        key.and_then(|key| self.ids.get(key).copied())
    }
}

async fn insert_sources<'a>(
    txn: &DatabaseTransaction,
    seeds: &'a [SourceSeed],
) -> anyhow::Result<Ids<'a>> {
    let mut sources = Ids::new("source");
    for s in seeds {
        let row = source::ActiveModel {
            key: Set(s.key.clone()),
            title: Set(s.title.clone()),
            publisher: Set(s.publisher.clone()),
            document: Set(s.document.clone()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        sources.insert(&s.key, row.id);
    }
    Ok(sources)
}

async fn insert_places<'a>(
    txn: &DatabaseTransaction,
    seeds: &'a [PlaceSeed],
    sources: &Ids<'_>,
) -> anyhow::Result<Ids<'a>> {
    let mut places = Ids::new("place");
    for p in seeds {
        let row = place::ActiveModel {
            slug: Set(p.slug.clone()),
            name: Set(p.name.clone()),
            name_folded: Set(entity::fold(&p.name)),
            kind: Set(p.kind),
            country_code: Set(p.country_code.clone()),
            latitude: Set(p.latitude),
            longitude: Set(p.longitude),
            source_id: Set(sources.get_optional(p.source.as_deref())),
            alternate_names: Set(AlternateNames(p.alternate_names.clone())),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        places.insert(&p.slug, row.id);
    }
    Ok(places)
}

/// Networks with their topics, in the order the file lists them.
async fn insert_networks<'a>(
    txn: &DatabaseTransaction,
    seeds: &'a [NetworkSeed],
    sources: &Ids<'_>,
    places: &Ids<'_>,
) -> anyhow::Result<Ids<'a>> {
    let mut networks = Ids::new("network");
    for n in seeds {
        let row = network::ActiveModel {
            slug: Set(n.slug.clone()),
            name: Set(n.name.clone()),
            name_folded: Set(entity::fold(&n.name)),
            acronym: Set(n.acronym.clone()),
            description: Set(n.description.clone()),
            founded_year: Set(n.founded_year),
            founded_in_id: Set(n.founded_in.as_deref().map(|p| places.get(p)).transpose()?),
            reported_member_count: Set(n.reported_member_count),
            reported_member_count_qualifier: Set(n.reported_member_count_qualifier),
            alternate_names: Set(AlternateNames(n.alternate_names.clone())),
            source_id: Set(sources.get_optional(n.source.as_deref())),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        insert_topics(txn, row.id, &n.topics).await?;
        networks.insert(&n.slug, row.id);
    }
    Ok(networks)
}

async fn insert_topics(
    txn: &DatabaseTransaction,
    network_id: i32,
    topics: &[String],
) -> anyhow::Result<()> {
    for (position, topic) in topics.iter().enumerate() {
        network_topic::ActiveModel {
            network_id: Set(network_id),
            topic: Set(topic.clone()),
            position: Set(i32::try_from(position)?),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

async fn insert_memberships(
    txn: &DatabaseTransaction,
    seeds: &[MembershipSeed],
    sources: &Ids<'_>,
    places: &Ids<'_>,
    networks: &Ids<'_>,
) -> anyhow::Result<()> {
    for m in seeds {
        membership::ActiveModel {
            place_id: Set(places.get(&m.place)?),
            network_id: Set(networks.get(&m.network)?),
            role: Set(m.role),
            since: Set(m.since),
            represented_by: Set(m.represented_by.clone()),
            source_id: Set(sources.get_optional(m.source.as_deref())),
            evidence_kind: Set(m.evidence.as_ref().map(|e| e.kind)),
            evidence_quote: Set(m.evidence.as_ref().and_then(|e| e.quote.clone())),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Events with their named participants; returns how many participants it inserted.
async fn insert_events(
    txn: &DatabaseTransaction,
    seeds: &[EventSeed],
    sources: &Ids<'_>,
    places: &Ids<'_>,
    networks: &Ids<'_>,
) -> anyhow::Result<usize> {
    let mut participants = 0;
    for e in seeds {
        let row = event::ActiveModel {
            kind: Set(e.kind),
            title: Set(e.title.clone()),
            year: Set(e.year),
            topic: Set(e.topic.clone()),
            network_id: Set(networks.get(&e.network)?),
            host_id: Set(e.host.as_deref().map(|p| places.get(p)).transpose()?),
            reported_participant_count: Set(e.reported_participant_count),
            source_id: Set(sources.get_optional(e.source.as_deref())),
            evidence_kind: Set(e.evidence.as_ref().map(|e| e.kind)),
            evidence_quote: Set(e.evidence.as_ref().and_then(|e| e.quote.clone())),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        participants += insert_participants(txn, row.id, e, sources, places).await?;
    }
    Ok(participants)
}

/// The places named as taking part in `event`, which has the id `event_id`.
async fn insert_participants(
    txn: &DatabaseTransaction,
    event_id: i32,
    event: &EventSeed,
    sources: &Ids<'_>,
    places: &Ids<'_>,
) -> anyhow::Result<usize> {
    for participant in &event.participants {
        event_participant::ActiveModel {
            event_id: Set(event_id),
            place_id: Set(places.get(participant)?),
            source_id: Set(sources.get_optional(event.source.as_deref())),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(event.participants.len())
}

/// Each twinning as two rows, one from either side.
async fn insert_twinnings(
    txn: &DatabaseTransaction,
    seeds: &[TwinningSeed],
    sources: &Ids<'_>,
    places: &Ids<'_>,
) -> anyhow::Result<()> {
    for t in seeds {
        let [a, b] = [places.get(&t.places[0])?, places.get(&t.places[1])?];
        for (from, to) in [(a, b), (b, a)] {
            twinning::ActiveModel {
                place_id: Set(from),
                twin_id: Set(to),
                source_id: Set(sources.get_optional(t.source.as_deref())),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_seed_files_parse_and_validate() {
        let data = SeedData::embedded().expect("seed files are valid");
        assert!(data.places.len() >= 22);
        assert_eq!(data.sources.len(), 2);
    }

    #[test]
    fn every_source_document_is_embedded_for_the_quote_check() {
        let data = SeedData::embedded().expect("seed files are valid");
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
        let data = SeedData::embedded().expect("seed files are valid");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for source in &data.sources {
            assert!(root.join(&source.document).is_file(), "{}", source.document);
        }
    }
}
