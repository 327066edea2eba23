//! The one way a row is written. Every writer — the mutations (through the aggregates'
//! modules), `citynet import` (and so the seed), `citynet generate` — builds a row's values here
//! from input that is already valid, and writes them with these functions: what a row holds is
//! decided in one place (the folded name beside the name, the evidence's two columns, a
//! twinning's two rows), and whether a record changed is a comparison of built values
//! ([`PlaceValues::of`] a stored row against the values a file or mutation gives), not a list
//! of fields kept by hand.
//!
//! Bulk paths insert many rows in one statement ([`insert_places`], [`insert_memberships`]),
//! built by the same code.

use std::collections::HashMap;

use entity::{
    event, event_participant, fold, membership, network, network_topic, place, source,
    statement::{AlternateNames, CountQualifier, EvidenceKind},
    twinning,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait,
    ActiveValue::{self, Set},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, NotSet, QueryFilter,
};

/// A source document's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceValues {
    pub key: String,
    pub title: String,
    pub publisher: String,
    pub document: String,
}

impl SourceValues {
    pub fn of(row: &source::Model) -> Self {
        Self {
            key: row.key.clone(),
            title: row.title.clone(),
            publisher: row.publisher.clone(),
            document: row.document.clone(),
        }
    }

    fn active(self, id: ActiveValue<i32>) -> source::ActiveModel {
        source::ActiveModel {
            id,
            key: Set(self.key),
            title: Set(self.title),
            publisher: Set(self.publisher),
            document: Set(self.document),
        }
    }
}

pub async fn insert_source<C: ConnectionTrait>(
    db: &C,
    values: SourceValues,
) -> Result<source::Model, DbErr> {
    values.active(NotSet).insert(db).await
}

pub async fn update_source<C: ConnectionTrait>(
    db: &C,
    id: i32,
    values: SourceValues,
) -> Result<source::Model, DbErr> {
    values.active(Set(id)).update(db).await
}

/// Inserts `rows` a few hundred a statement; returns them as stored, in order.
async fn insert_returning<A, C>(
    db: &C,
    rows: Vec<A>,
) -> Result<Vec<<A::Entity as EntityTrait>::Model>, DbErr>
where
    A: ActiveModelTrait + Clone + Send,
    C: ConnectionTrait,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    let mut inserted = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        inserted.extend(
            <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
                .exec_with_returning(db)
                .await?,
        );
    }
    Ok(inserted)
}

/// Inserts `rows` a few hundred a statement.
async fn insert_all<A, C>(db: &C, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Clone + Send,
    C: ConnectionTrait,
{
    for chunk in rows.chunks(CHUNK) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A place's row, but for its id and slug.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceValues {
    pub name: String,
    pub kind: place::PlaceKind,
    pub country_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub alternate_names: Vec<String>,
    pub source_id: Option<i32>,
}

impl PlaceValues {
    pub fn of(row: &place::Model) -> Self {
        Self {
            name: row.name.clone(),
            kind: row.kind,
            country_code: row.country_code.clone(),
            latitude: row.latitude,
            longitude: row.longitude,
            alternate_names: row.alternate_names.0.clone(),
            source_id: row.source_id,
        }
    }

    pub(super) fn active(self, id: ActiveValue<i32>, slug: String) -> place::ActiveModel {
        place::ActiveModel {
            id,
            slug: Set(slug),
            name_folded: Set(fold(&self.name)),
            name: Set(self.name),
            kind: Set(self.kind),
            country_code: Set(self.country_code),
            latitude: Set(self.latitude),
            longitude: Set(self.longitude),
            source_id: Set(self.source_id),
            alternate_names: Set(AlternateNames(self.alternate_names)),
        }
    }
}

/// Inserts places (slug and values), a few hundred a statement; returns them as stored, in
/// order.
pub async fn insert_places<C: ConnectionTrait>(
    db: &C,
    rows: Vec<(String, PlaceValues)>,
) -> Result<Vec<place::Model>, DbErr> {
    let rows: Vec<place::ActiveModel> = rows
        .into_iter()
        .map(|(slug, values)| values.active(NotSet, slug))
        .collect();
    insert_returning(db, rows).await
}

pub async fn update_place<C: ConnectionTrait>(
    db: &C,
    id: i32,
    slug: String,
    values: PlaceValues,
) -> Result<place::Model, DbErr> {
    values.active(Set(id), slug).update(db).await
}

/// A network's row, but for its id and slug (its topics are rows of their own:
/// [`replace_topics`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkValues {
    pub name: String,
    pub acronym: Option<String>,
    pub description: Option<String>,
    pub founded_year: Option<i32>,
    pub founded_in_id: Option<i32>,
    pub reported_member_count: Option<i32>,
    pub reported_member_count_qualifier: Option<CountQualifier>,
    pub alternate_names: Vec<String>,
    pub source_id: Option<i32>,
}

impl NetworkValues {
    pub fn of(row: &network::Model) -> Self {
        Self {
            name: row.name.clone(),
            acronym: row.acronym.clone(),
            description: row.description.clone(),
            founded_year: row.founded_year,
            founded_in_id: row.founded_in_id,
            reported_member_count: row.reported_member_count,
            reported_member_count_qualifier: row.reported_member_count_qualifier,
            alternate_names: row.alternate_names.0.clone(),
            source_id: row.source_id,
        }
    }

    pub(super) fn active(self, id: ActiveValue<i32>, slug: String) -> network::ActiveModel {
        network::ActiveModel {
            id,
            slug: Set(slug),
            name_folded: Set(fold(&self.name)),
            name: Set(self.name),
            acronym: Set(self.acronym),
            description: Set(self.description),
            founded_year: Set(self.founded_year),
            founded_in_id: Set(self.founded_in_id),
            reported_member_count: Set(self.reported_member_count),
            source_id: Set(self.source_id),
            reported_member_count_qualifier: Set(self.reported_member_count_qualifier),
            alternate_names: Set(AlternateNames(self.alternate_names)),
        }
    }
}

pub async fn insert_network<C: ConnectionTrait>(
    db: &C,
    slug: String,
    values: NetworkValues,
) -> Result<network::Model, DbErr> {
    values.active(NotSet, slug).insert(db).await
}

/// Inserts networks (slug and values), a few hundred a statement; returns them as stored, in
/// order.
pub async fn insert_networks<C: ConnectionTrait>(
    db: &C,
    rows: Vec<(String, NetworkValues)>,
) -> Result<Vec<network::Model>, DbErr> {
    let rows: Vec<network::ActiveModel> = rows
        .into_iter()
        .map(|(slug, values)| values.active(NotSet, slug))
        .collect();
    insert_returning(db, rows).await
}

pub async fn update_network<C: ConnectionTrait>(
    db: &C,
    id: i32,
    slug: String,
    values: NetworkValues,
) -> Result<network::Model, DbErr> {
    values.active(Set(id), slug).update(db).await
}

/// Replaces a network's topics with `topics`, in their order.
pub async fn replace_topics<C: ConnectionTrait>(
    db: &C,
    network_id: i32,
    topics: &[String],
) -> Result<(), DbErr> {
    network_topic::Entity::delete_many()
        .filter(network_topic::Column::NetworkId.eq(network_id))
        .exec(db)
        .await?;
    insert_topics(db, topics.iter().map(|topic| (network_id, topic.clone()))).await
}

/// Inserts topic rows (network, topic), each network's in the order given.
pub async fn insert_topics<C: ConnectionTrait>(
    db: &C,
    topics: impl IntoIterator<Item = (i32, String)>,
) -> Result<(), DbErr> {
    let mut positions: HashMap<i32, i32> = HashMap::new();
    let rows: Vec<network_topic::ActiveModel> = topics
        .into_iter()
        .map(|(network_id, topic)| {
            let position = positions.entry(network_id).or_insert(0);
            let row = network_topic::ActiveModel {
                network_id: Set(network_id),
                topic: Set(topic),
                position: Set(*position),
            };
            *position += 1;
            row
        })
        .collect();
    insert_all(db, rows).await
}

/// How many rows one multi-row insert carries (well under either backend's bound parameters).
pub const CHUNK: usize = 500;

/// A membership's row, but for its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipValues {
    pub place_id: i32,
    pub network_id: i32,
    pub role: membership::MembershipRole,
    pub since: Option<i32>,
    pub represented_by: Option<String>,
    pub source_id: Option<i32>,
    /// The evidence's kind and quote.
    pub evidence: (Option<EvidenceKind>, Option<String>),
}

impl MembershipValues {
    pub fn of(row: &membership::Model) -> Self {
        Self {
            place_id: row.place_id,
            network_id: row.network_id,
            role: row.role,
            since: row.since,
            represented_by: row.represented_by.clone(),
            source_id: row.source_id,
            evidence: (row.evidence_kind, row.evidence_quote.clone()),
        }
    }

    fn active(self, id: ActiveValue<i32>) -> membership::ActiveModel {
        membership::ActiveModel {
            id,
            place_id: Set(self.place_id),
            network_id: Set(self.network_id),
            role: Set(self.role),
            since: Set(self.since),
            represented_by: Set(self.represented_by),
            source_id: Set(self.source_id),
            evidence_kind: Set(self.evidence.0),
            evidence_quote: Set(self.evidence.1),
        }
    }
}

pub async fn insert_membership<C: ConnectionTrait>(
    db: &C,
    values: MembershipValues,
) -> Result<membership::Model, DbErr> {
    values.active(NotSet).insert(db).await
}

/// Inserts memberships, a few hundred a statement; returns them as stored when `returning`.
pub async fn insert_memberships<C: ConnectionTrait>(
    db: &C,
    rows: Vec<MembershipValues>,
    returning: bool,
) -> Result<Vec<membership::Model>, DbErr> {
    let rows: Vec<membership::ActiveModel> = rows
        .into_iter()
        .map(|values| values.active(NotSet))
        .collect();
    if returning {
        insert_returning(db, rows).await
    } else {
        insert_all(db, rows).await.map(|()| Vec::new())
    }
}

pub async fn update_membership<C: ConnectionTrait>(
    db: &C,
    id: i32,
    values: MembershipValues,
) -> Result<membership::Model, DbErr> {
    values.active(Set(id)).update(db).await
}

/// The memberships of the given (place, network) pairs, read in one statement.
pub async fn memberships_of_pairs<C: ConnectionTrait>(
    db: &C,
    pairs: impl IntoIterator<Item = (i32, i32)>,
) -> Result<HashMap<(i32, i32), membership::Model>, DbErr> {
    let pairs: Vec<(i32, i32)> = pairs.into_iter().collect();
    if pairs.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(membership::Entity::find()
        .filter(
            Expr::tuple([
                Expr::col(membership::Column::PlaceId),
                Expr::col(membership::Column::NetworkId),
            ])
            .in_tuples(pairs),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|row| ((row.place_id, row.network_id), row))
        .collect())
}

/// An event's row, but for its id (its participants are rows of their own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventValues {
    pub network_id: i32,
    pub kind: event::EventKind,
    pub title: String,
    pub year: Option<i32>,
    pub topic: Option<String>,
    pub host_id: Option<i32>,
    pub reported_participant_count: Option<i32>,
    /// The evidence's kind and quote.
    pub evidence: (Option<EvidenceKind>, Option<String>),
    pub source_id: Option<i32>,
}

impl EventValues {
    pub fn of(row: &event::Model) -> Self {
        Self {
            network_id: row.network_id,
            kind: row.kind,
            title: row.title.clone(),
            year: row.year,
            topic: row.topic.clone(),
            host_id: row.host_id,
            reported_participant_count: row.reported_participant_count,
            evidence: (row.evidence_kind, row.evidence_quote.clone()),
            source_id: row.source_id,
        }
    }

    /// What names an event among its network's: its year, title and host.
    pub fn natural_key(&self) -> (i32, Option<i32>, &str, Option<i32>) {
        (self.network_id, self.year, &self.title, self.host_id)
    }

    pub(super) fn active(self, id: ActiveValue<i32>) -> event::ActiveModel {
        event::ActiveModel {
            id,
            kind: Set(self.kind),
            title: Set(self.title),
            year: Set(self.year),
            topic: Set(self.topic),
            network_id: Set(self.network_id),
            host_id: Set(self.host_id),
            reported_participant_count: Set(self.reported_participant_count),
            source_id: Set(self.source_id),
            evidence_kind: Set(self.evidence.0),
            evidence_quote: Set(self.evidence.1),
        }
    }
}

pub async fn insert_event<C: ConnectionTrait>(
    db: &C,
    values: EventValues,
) -> Result<event::Model, DbErr> {
    values.active(NotSet).insert(db).await
}

/// Inserts events, a few hundred a statement; returns them as stored, in order.
pub async fn insert_events<C: ConnectionTrait>(
    db: &C,
    rows: Vec<EventValues>,
) -> Result<Vec<event::Model>, DbErr> {
    let rows: Vec<event::ActiveModel> = rows
        .into_iter()
        .map(|values| values.active(NotSet))
        .collect();
    insert_returning(db, rows).await
}

pub async fn update_event<C: ConnectionTrait>(
    db: &C,
    id: i32,
    values: EventValues,
) -> Result<event::Model, DbErr> {
    values.active(Set(id)).update(db).await
}

/// Inserts participations (event, place, source).
pub async fn insert_participants<C: ConnectionTrait>(
    db: &C,
    rows: impl IntoIterator<Item = (i32, i32, Option<i32>)>,
) -> Result<(), DbErr> {
    let rows: Vec<event_participant::ActiveModel> = rows
        .into_iter()
        .map(
            |(event_id, place_id, source_id)| event_participant::ActiveModel {
                id: NotSet,
                event_id: Set(event_id),
                place_id: Set(place_id),
                source_id: Set(source_id),
            },
        )
        .collect();
    insert_all(db, rows).await
}

/// Replaces an event's participants with `places` (each from `source_id`).
pub async fn replace_participants<C: ConnectionTrait>(
    db: &C,
    event_id: i32,
    places: &[i32],
    source_id: Option<i32>,
) -> Result<(), DbErr> {
    event_participant::Entity::delete_many()
        .filter(event_participant::Column::EventId.eq(event_id))
        .exec(db)
        .await?;
    insert_participants(db, places.iter().map(|&place| (event_id, place, source_id))).await
}

/// Inserts twinnings: each pair (a, b) is a row from either side, as the API reads it.
pub async fn insert_twinnings<C: ConnectionTrait>(
    db: &C,
    pairs: impl IntoIterator<Item = (i32, i32, Option<i32>)>,
) -> Result<Vec<twinning::Model>, DbErr> {
    insert_twinning_rows(
        db,
        pairs
            .into_iter()
            .flat_map(|(a, b, source_id)| [(a, b, source_id), (b, a, source_id)]),
    )
    .await
}

/// Inserts twinning rows (place, twin, source) as they are: one side each.
pub async fn insert_twinning_rows<C: ConnectionTrait>(
    db: &C,
    rows: impl IntoIterator<Item = (i32, i32, Option<i32>)>,
) -> Result<Vec<twinning::Model>, DbErr> {
    let rows: Vec<twinning::ActiveModel> = rows
        .into_iter()
        .map(|(place_id, twin_id, source_id)| twinning::ActiveModel {
            id: NotSet,
            place_id: Set(place_id),
            twin_id: Set(twin_id),
            source_id: Set(source_id),
        })
        .collect();
    insert_returning(db, rows).await
}
