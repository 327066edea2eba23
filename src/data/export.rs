//! `citynet export`: the whole database as one [`Dataset`], in a stable order that does not
//! depend on row ids (records by slug, memberships by network and place, events by network,
//! year, title and host, twinnings by their pair), so that export → import into an empty database →
//! export gives the same bytes.
//!
//! JSON is written a record per line, and the memberships (the bulk of a large world) come from
//! the database already in order, a row at a time, each written as it arrives: the large
//! benchmark world (479 466 memberships) exports without holding them.

use std::{collections::HashMap, io::Write};

use entity::{event, event_participant, membership, network, place, source, twinning};
use futures_util::StreamExt;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, FromQueryResult};

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

/// Writes the database to `out` in `format`.
pub async fn export(
    db: &DatabaseConnection,
    format: Format,
    out: impl Write,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Json => write_json(db, &mut out).await?,
        Format::Toml => out.write_all(toml::to_string(&dataset(db).await?)?.as_bytes())?,
    }
    out.flush()?;
    Ok(())
}

/// `{"sources": [ … ], "places": [ … ], …}` with one record per line.
async fn write_json(db: &DatabaseConnection, out: &mut impl Write) -> anyhow::Result<()> {
    let tables = Tables::read(db).await?;
    out.write_all(b"{")?;
    json_list(out, "sources", tables.sources(), true)?;
    json_list(out, "places", tables.places(), false)?;
    json_list(out, "networks", tables.networks(), false)?;
    out.write_all(b",\n\"memberships\": [")?;
    let mut first = true;
    let mut rows = memberships_in_slug_order(db).await?;
    while let Some(row) = rows.next().await {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        serde_json::to_writer(&mut *out, &tables.membership_row(row?))?;
    }
    out.write_all(b"\n]")?;
    json_list(out, "events", tables.events(), false)?;
    json_list(out, "twinnings", tables.twinnings(), false)?;
    out.write_all(b"\n}\n")?;
    Ok(())
}

fn json_list<T: serde::Serialize>(
    out: &mut impl Write,
    name: &str,
    records: impl IntoIterator<Item = T>,
    first_list: bool,
) -> anyhow::Result<()> {
    if !first_list {
        out.write_all(b",")?;
    }
    write!(out, "\n\"{name}\": [")?;
    let mut first = true;
    for record in records {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        serde_json::to_writer(&mut *out, &record)?;
    }
    out.write_all(b"\n]")?;
    Ok(())
}

/// A membership with its network's and place's slugs, as the export reads it.
#[derive(Debug, FromQueryResult)]
struct MembershipRow {
    network_slug: String,
    place_slug: String,
    role: membership::MembershipRole,
    since: Option<i32>,
    represented_by: Option<String>,
    source_id: Option<i32>,
    evidence_kind: Option<entity::statement::EvidenceKind>,
    evidence_quote: Option<String>,
}

/// Every membership, streamed in the export's order (network slug, then place slug) by the
/// database itself, compared byte by byte as Rust compares strings: `COLLATE "C"` on
/// PostgreSQL, SQLite's default `BINARY`.
async fn memberships_in_slug_order(
    db: &DatabaseConnection,
) -> Result<impl futures_util::Stream<Item = Result<MembershipRow, DbErr>> + '_, DbErr> {
    use sea_orm::{sea_query::Expr, JoinType, Order, QueryOrder, QuerySelect, RelationTrait};
    let collate = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => r#" COLLATE "C""#,
        _ => "",
    };
    membership::Entity::find()
        .select_only()
        .columns([
            membership::Column::Role,
            membership::Column::Since,
            membership::Column::RepresentedBy,
            membership::Column::SourceId,
            membership::Column::EvidenceKind,
            membership::Column::EvidenceQuote,
        ])
        .column_as(network::Column::Slug, "network_slug")
        .column_as(place::Column::Slug, "place_slug")
        .join(JoinType::InnerJoin, membership::Relation::Network.def())
        .join(JoinType::InnerJoin, membership::Relation::Place.def())
        .order_by(
            Expr::cust(format!(r#""networks"."slug"{collate}"#)),
            Order::Asc,
        )
        .order_by(
            Expr::cust(format!(r#""places"."slug"{collate}"#)),
            Order::Asc,
        )
        .into_model::<MembershipRow>()
        .stream(db)
        .await
}

/// Every record, as files hold them, in the export's order (all in memory: for TOML).
pub async fn dataset(db: &DatabaseConnection) -> Result<Dataset, DbErr> {
    let tables = Tables::read(db).await?;
    let mut rows = memberships_in_slug_order(db).await?;
    let mut memberships = Vec::new();
    while let Some(row) = rows.next().await {
        memberships.push(tables.membership_row(row?));
    }
    Ok(Dataset {
        sources: tables.sources().collect(),
        places: tables.places().collect(),
        networks: tables.networks().collect(),
        memberships,
        events: tables.events(),
        twinnings: tables.twinnings(),
    })
}

/// The tables, read once, with what turns ids into slugs; memberships are read apart.
struct Tables {
    sources: Vec<source::Model>,
    places: Vec<place::Model>,
    networks: Vec<network::Model>,
    events: Vec<event::Model>,
    twinnings: Vec<twinning::Model>,
    source_keys: HashMap<i32, String>,
    place_slugs: HashMap<i32, String>,
    network_slugs: HashMap<i32, String>,
    topics: HashMap<i32, Vec<String>>,
    participants: HashMap<i32, Vec<String>>,
}

impl Tables {
    async fn read(db: &DatabaseConnection) -> Result<Self, DbErr> {
        // Sorted here, not in SQL: PostgreSQL's collation would order slugs unlike SQLite's.
        let mut sources = source::Entity::find().all(db).await?;
        sources.sort_by(|a, b| a.key.cmp(&b.key));
        let mut places = place::Entity::find().all(db).await?;
        places.sort_by(|a, b| a.slug.cmp(&b.slug));
        let mut networks = network::Entity::find().all(db).await?;
        networks.sort_by(|a, b| a.slug.cmp(&b.slug));
        let topics = crate::loaders::topics::all_by_network(db).await?;
        let place_slugs: HashMap<i32, String> =
            places.iter().map(|p| (p.id, p.slug.clone())).collect();
        let mut participants: HashMap<i32, Vec<String>> = HashMap::new();
        for participant in event_participant::Entity::find().all(db).await? {
            if let Some(slug) = place_slugs.get(&participant.place_id) {
                participants
                    .entry(participant.event_id)
                    .or_default()
                    .push(slug.clone());
            }
        }
        for named in participants.values_mut() {
            named.sort();
        }
        Ok(Self {
            source_keys: sources.iter().map(|s| (s.id, s.key.clone())).collect(),
            network_slugs: networks.iter().map(|n| (n.id, n.slug.clone())).collect(),
            place_slugs,
            topics,
            participants,
            events: event::Entity::find().all(db).await?,
            twinnings: twinning::Entity::find().all(db).await?,
            sources,
            places,
            networks,
        })
    }

    fn source(&self, id: Option<i32>) -> Option<String> {
        id.and_then(|id| self.source_keys.get(&id).cloned())
    }

    fn place(&self, id: i32) -> String {
        self.place_slugs.get(&id).cloned().unwrap_or_default()
    }

    fn network(&self, id: i32) -> String {
        self.network_slugs.get(&id).cloned().unwrap_or_default()
    }

    fn sources(&self) -> impl Iterator<Item = SourceRecord> + '_ {
        self.sources.iter().map(|s| SourceRecord {
            key: s.key.clone(),
            title: s.title.clone(),
            publisher: s.publisher.clone(),
            document: s.document.clone(),
        })
    }

    fn places(&self) -> impl Iterator<Item = PlaceRecord> + '_ {
        self.places.iter().map(|p| PlaceRecord {
            slug: p.slug.clone(),
            name: p.name.clone(),
            kind: p.kind,
            country_code: p.country_code.clone(),
            latitude: p.latitude,
            longitude: p.longitude,
            alternate_names: stated(p.alternate_names.0.clone()),
            source: self.source(p.source_id),
        })
    }

    fn networks(&self) -> impl Iterator<Item = NetworkRecord> + '_ {
        self.networks.iter().map(|n| NetworkRecord {
            slug: n.slug.clone(),
            name: n.name.clone(),
            acronym: n.acronym.clone(),
            description: n.description.clone(),
            topics: self.topics.get(&n.id).cloned().and_then(stated),
            founded_year: n.founded_year,
            founded_in: n.founded_in_id.map(|id| self.place(id)),
            reported_member_count: n.reported_member_count,
            reported_member_count_qualifier: n.reported_member_count_qualifier,
            alternate_names: stated(n.alternate_names.0.clone()),
            source: self.source(n.source_id),
        })
    }

    fn membership_row(&self, m: MembershipRow) -> MembershipRecord {
        MembershipRecord {
            network: m.network_slug,
            place: m.place_slug,
            role: m.role,
            since: m.since,
            represented_by: m.represented_by,
            source: self.source(m.source_id),
            evidence: evidence(m.evidence_kind, m.evidence_quote),
        }
    }

    fn events(&self) -> Vec<EventRecord> {
        let mut events: Vec<EventRecord> = self
            .events
            .iter()
            .map(|e| EventRecord {
                kind: e.kind,
                title: e.title.clone(),
                year: e.year,
                topic: e.topic.clone(),
                network: self.network(e.network_id),
                host: e.host_id.map(|id| self.place(id)),
                participants: self.participants.get(&e.id).cloned().and_then(stated),
                reported_participant_count: e.reported_participant_count,
                source: self.source(e.source_id),
                evidence: evidence(e.evidence_kind, e.evidence_quote.clone()),
            })
            .collect();
        events.sort_by(|a, b| event_order(a).cmp(&event_order(b)));
        events
    }

    /// Each twinning is two rows, one from either side: one record per pair.
    fn twinnings(&self) -> Vec<TwinningRecord> {
        let mut twinnings: Vec<TwinningRecord> = self
            .twinnings
            .iter()
            .filter(|t| t.place_id < t.twin_id)
            .map(|t| {
                let mut pair = [self.place(t.place_id), self.place(t.twin_id)];
                pair.sort();
                TwinningRecord {
                    places: pair,
                    source: self.source(t.source_id),
                }
            })
            .collect();
        twinnings.sort_by(|a, b| a.places.cmp(&b.places));
        twinnings
    }
}

fn evidence(
    kind: Option<entity::statement::EvidenceKind>,
    quote: Option<String>,
) -> Option<EvidenceRecord> {
    kind.map(|kind| EvidenceRecord { kind, quote })
}

/// Events in order: network, year (none first), title, host, kind.
fn event_order(event: &EventRecord) -> (&str, Option<i32>, &str, Option<&str>, &'static str) {
    let kind = match event.kind {
        event::EventKind::Conference => "conference",
        event::EventKind::Founding => "founding",
        event::EventKind::Launch => "launch",
        event::EventKind::Signing => "signing",
    };
    (
        &event.network,
        event.year,
        &event.title,
        event.host.as_deref(),
        kind,
    )
}

/// A list as a record states it: left out when empty (as the files have always written it).
fn stated(list: Vec<String>) -> Option<Vec<String>> {
    (!list.is_empty()).then_some(list)
}
