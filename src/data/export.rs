//! `citynet export`: the whole database as one [`Dataset`], in a stable order that does not
//! depend on row ids (records by slug, memberships by network and place, events by network,
//! year and title, twinnings by their pair), so that export → import into an empty database →
//! export gives the same bytes.

use std::{collections::HashMap, io::Write};

use entity::{
    event, event_participant, membership, network, network_topic, place, source, twinning,
};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QueryOrder};

use super::records::{
    Dataset, EventRecord, EvidenceRecord, MembershipRecord, NetworkRecord, PlaceRecord,
    SourceRecord, TwinningRecord,
};

/// The file formats of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Toml,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "json" => Ok(Self::Json),
            "toml" => Ok(Self::Toml),
            other => Err(format!("--format is json or toml, got {other:?}")),
        }
    }
}

/// Writes the database to `out` in `format`. JSON is written record by record, never held as
/// one string.
pub async fn export(
    db: &DatabaseConnection,
    format: Format,
    out: impl Write,
) -> anyhow::Result<()> {
    let data = dataset(db).await?;
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &data)?;
            out.write_all(b"\n")?;
        }
        Format::Toml => out.write_all(toml::to_string(&data)?.as_bytes())?,
    }
    out.flush()?;
    Ok(())
}

/// Every record, as files hold them, in the export's order.
pub async fn dataset(db: &DatabaseConnection) -> Result<Dataset, DbErr> {
    // Sorted here, not in SQL: PostgreSQL's collation would order slugs unlike SQLite's.
    let mut sources = source::Entity::find().all(db).await?;
    sources.sort_by(|a, b| a.key.cmp(&b.key));
    let source_keys: HashMap<i32, String> = sources.iter().map(|s| (s.id, s.key.clone())).collect();
    let source_of = |id: Option<i32>| id.and_then(|id| source_keys.get(&id).cloned());
    let mut places = place::Entity::find().all(db).await?;
    places.sort_by(|a, b| a.slug.cmp(&b.slug));
    let place_slugs: HashMap<i32, String> = places.iter().map(|p| (p.id, p.slug.clone())).collect();
    let slug_of_place = |id: i32| place_slugs.get(&id).cloned().unwrap_or_default();
    let mut networks = network::Entity::find().all(db).await?;
    networks.sort_by(|a, b| a.slug.cmp(&b.slug));
    let network_slugs: HashMap<i32, String> =
        networks.iter().map(|n| (n.id, n.slug.clone())).collect();
    let slug_of_network = |id: i32| network_slugs.get(&id).cloned().unwrap_or_default();
    let mut topics: HashMap<i32, Vec<String>> = HashMap::new();
    for topic in network_topic::Entity::find()
        .order_by_asc(network_topic::Column::Position)
        .all(db)
        .await?
    {
        topics
            .entry(topic.network_id)
            .or_default()
            .push(topic.topic);
    }
    let mut participants: HashMap<i32, Vec<String>> = HashMap::new();
    for participant in event_participant::Entity::find().all(db).await? {
        participants
            .entry(participant.event_id)
            .or_default()
            .push(slug_of_place(participant.place_id));
    }

    let mut memberships: Vec<MembershipRecord> = membership::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| MembershipRecord {
            network: slug_of_network(m.network_id),
            place: slug_of_place(m.place_id),
            role: m.role,
            since: m.since,
            represented_by: m.represented_by,
            source: source_of(m.source_id),
            evidence: evidence(m.evidence_kind, m.evidence_quote),
        })
        .collect();
    memberships.sort_by(|a, b| (&a.network, &a.place).cmp(&(&b.network, &b.place)));

    let mut events: Vec<EventRecord> = event::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|e| {
            let mut named = participants.remove(&e.id).unwrap_or_default();
            named.sort();
            EventRecord {
                kind: e.kind,
                title: e.title,
                year: e.year,
                topic: e.topic,
                network: slug_of_network(e.network_id),
                host: e.host_id.map(slug_of_place),
                participants: named,
                reported_participant_count: e.reported_participant_count,
                source: source_of(e.source_id),
                evidence: evidence(e.evidence_kind, e.evidence_quote),
            }
        })
        .collect();
    events.sort_by(|a, b| event_order(a).cmp(&event_order(b)));

    // Each twinning is two rows, one from either side: one record per pair.
    let mut twinnings: Vec<TwinningRecord> = twinning::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|t| t.place_id < t.twin_id)
        .map(|t| {
            let mut pair = [slug_of_place(t.place_id), slug_of_place(t.twin_id)];
            pair.sort();
            TwinningRecord {
                places: pair,
                source: source_of(t.source_id),
            }
        })
        .collect();
    twinnings.sort_by(|a, b| a.places.cmp(&b.places));

    Ok(Dataset {
        sources: sources
            .into_iter()
            .map(|s| SourceRecord {
                key: s.key,
                title: s.title,
                publisher: s.publisher,
                document: s.document,
            })
            .collect(),
        places: places
            .into_iter()
            .map(|p| PlaceRecord {
                slug: p.slug,
                name: p.name,
                kind: p.kind,
                country_code: p.country_code,
                latitude: p.latitude,
                longitude: p.longitude,
                alternate_names: p.alternate_names.0,
                source: source_of(p.source_id),
            })
            .collect(),
        networks: networks
            .into_iter()
            .map(|n| NetworkRecord {
                topics: topics.remove(&n.id).unwrap_or_default(),
                founded_in: n.founded_in_id.map(slug_of_place),
                source: source_of(n.source_id),
                slug: n.slug,
                name: n.name,
                acronym: n.acronym,
                description: n.description,
                founded_year: n.founded_year,
                reported_member_count: n.reported_member_count,
                reported_member_count_qualifier: n.reported_member_count_qualifier,
                alternate_names: n.alternate_names.0,
            })
            .collect(),
        memberships,
        events,
        twinnings,
    })
}

fn evidence(
    kind: Option<entity::statement::EvidenceKind>,
    quote: Option<String>,
) -> Option<EvidenceRecord> {
    kind.map(|kind| EvidenceRecord { kind, quote })
}

/// Events in order: network, year (none first), title, kind.
fn event_order(event: &EventRecord) -> (&str, Option<i32>, &str, &'static str) {
    let kind = match event.kind {
        event::EventKind::Conference => "conference",
        event::EventKind::Founding => "founding",
        event::EventKind::Launch => "launch",
        event::EventKind::Signing => "signing",
    };
    (&event.network, event.year, &event.title, kind)
}
