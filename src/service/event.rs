//! Events of networks and the places named as taking part: create, update, delete, add and
//! remove a participant. Every change is announced with the places and networks the event
//! concerned before and after it, so subscribers filtering by either hear of it.

use entity::{event, event_participant, network, place};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, NotSet, QueryFilter, QueryOrder,
};

use super::{
    existing::existing,
    existing::missing,
    membership::evidence_columns,
    rows::{self, EventValues},
    Edit,
};
use crate::{
    changes::{Action, Change},
    domain::{Count, Evidence, InputPath, Participants, Subject, Title, Year},
    error::{AppError, AppResult},
    service::search_index,
};

/// An event to create.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub network_id: i32,
    pub kind: event::EventKind,
    pub title: Title,
    pub year: Option<Year>,
    pub topic: Option<Subject>,
    pub host_id: Option<i32>,
    pub reported_participant_count: Option<Count>,
    pub participants: Participants,
    pub evidence: Option<Evidence>,
}

/// Changes to an event; new `participants` replace all the current ones.
#[derive(Clone, Debug, Default)]
pub struct EventUpdate {
    pub network_id: Edit<i32>,
    pub kind: Edit<event::EventKind>,
    pub title: Edit<Title>,
    pub year: Edit<Option<Year>>,
    pub topic: Edit<Option<Subject>>,
    pub host_id: Edit<Option<i32>>,
    pub reported_participant_count: Edit<Option<Count>>,
    pub participants: Edit<Participants>,
    pub evidence: Edit<Option<Evidence>>,
}

/// Creates an event with its participants.
#[tracing::instrument(skip(db))]
pub async fn create(
    db: &DatabaseTransaction,
    new: NewEvent,
    at: &InputPath,
) -> AppResult<(event::Model, Vec<Change>)> {
    let values = EventValues {
        network_id: new.network_id,
        kind: new.kind,
        title: new.title.into_inner(),
        year: new.year.map(Year::value),
        topic: new.topic.map(Subject::into_inner),
        host_id: new.host_id,
        reported_participant_count: new.reported_participant_count.map(Count::value),
        evidence: evidence_columns(new.evidence),
        source_id: None,
    };
    check_references(&values, db, at).await?;
    check_unique(&values, db, at, None).await?;
    check_places_exist(db, &new.participants, at).await?;
    let event = rows::insert_event(db, values).await?;
    replace_participants(db, event.id, &new.participants).await?;
    search_index::reindex_one(db, search_index::event_entry(&event)).await?;
    let change = event_change(db, Action::Created, event.clone(), Concerned::default()).await?;
    Ok((event, vec![change]))
}

/// Changes the event `id`.
#[tracing::instrument(skip(db))]
pub async fn update(
    db: &DatabaseTransaction,
    id: i32,
    edit: EventUpdate,
    at: &InputPath,
) -> AppResult<(event::Model, Vec<Change>)> {
    let current = existing::<event::Entity, _>(db, &at.field("id"), id).await?;
    let before = Concerned::by(db, &current).await?;
    let values = EventValues {
        network_id: edit.network_id.apply(current.network_id),
        kind: edit.kind.apply(current.kind),
        title: edit.title.map(Title::into_inner).apply(current.title),
        year: edit
            .year
            .map(|year| year.map(Year::value))
            .apply(current.year),
        topic: edit
            .topic
            .map(|topic| topic.map(Subject::into_inner))
            .apply(current.topic),
        host_id: edit.host_id.apply(current.host_id),
        reported_participant_count: edit
            .reported_participant_count
            .map(|count| count.map(Count::value))
            .apply(current.reported_participant_count),
        evidence: edit
            .evidence
            .map(evidence_columns)
            .apply((current.evidence_kind, current.evidence_quote)),
        source_id: current.source_id,
    };
    check_references(&values, db, at).await?;
    check_unique(&values, db, at, Some(id)).await?;
    let event = rows::update_event(db, id, values).await?;
    if let Edit::To(participants) = edit.participants {
        check_places_exist(db, &participants, at).await?;
        replace_participants(db, id, &participants).await?;
    }
    search_index::reindex_one(db, search_index::event_entry(&event)).await?;
    let change = event_change(db, Action::Updated, event.clone(), before).await?;
    Ok((event, vec![change]))
}

/// Deletes the event `id` and its participant records. Returns the event as it was.
#[tracing::instrument(skip(db))]
pub async fn delete(
    db: &DatabaseTransaction,
    id: i32,
    at: &InputPath,
) -> AppResult<(event::Model, Vec<Change>)> {
    let event = existing::<event::Entity, _>(db, &at.field("id"), id).await?;
    let change = event_change(db, Action::Deleted, event.clone(), Concerned::default()).await?;
    event::Entity::delete_by_id(id).exec(db).await?;
    search_index::remove(db, search_index::Kind::Event, id).await?;
    Ok((event, vec![change]))
}

/// Names the place `place_id` as taking part in the event `event_id` (`CONFLICT` if it
/// already is).
#[tracing::instrument(skip(db))]
pub async fn add_participant(
    db: &DatabaseTransaction,
    event_id: i32,
    place_id: i32,
    at: &InputPath,
) -> AppResult<(event::Model, Vec<Change>)> {
    let event = existing::<event::Entity, _>(db, &at.field("eventId"), event_id).await?;
    let before = Concerned::by(db, &event).await?;
    let place = existing::<place::Entity, _>(db, &at.field("cityId"), place_id).await?;
    if find_participant(db, event_id, place_id).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "{} is already a participant of {:?}.",
            place.name, event.title
        ))
        .at(at.field("cityId")));
    }
    insert_participant(db, event_id, place_id).await?;
    let change = event_change(db, Action::Updated, event.clone(), before).await?;
    Ok((event, vec![change]))
}

/// Removes the place `place_id` from the participants of the event `event_id` (`NOT_FOUND` if
/// it is not one).
#[tracing::instrument(skip(db))]
pub async fn remove_participant(
    db: &DatabaseTransaction,
    event_id: i32,
    place_id: i32,
    at: &InputPath,
) -> AppResult<(event::Model, Vec<Change>)> {
    let event = existing::<event::Entity, _>(db, &at.field("eventId"), event_id).await?;
    let before = Concerned::by(db, &event).await?;
    let Some(row) = find_participant(db, event_id, place_id).await? else {
        return Err(
            AppError::NotFound("That place is not a participant of that event.".into())
                .at(at.field("cityId")),
        );
    };
    event_participant::Entity::delete_by_id(row.id)
        .exec(db)
        .await?;
    let change = event_change(db, Action::Updated, event.clone(), before).await?;
    Ok((event, vec![change]))
}

/// The network and the host must exist.
async fn check_references<C: ConnectionTrait>(
    values: &EventValues,
    db: &C,
    at: &InputPath,
) -> AppResult<()> {
    existing::<network::Entity, _>(db, &at.field("networkId"), values.network_id).await?;
    if let Some(host) = values.host_id {
        existing::<place::Entity, _>(db, &at.field("hostId"), host).await?;
    }
    Ok(())
}

/// The events named by this network, year, title and host ([`EventValues::natural_key`]; a
/// year or host left out matches only events without one, as the unique index compares them).
pub(super) fn named(
    network_id: i32,
    year: Option<i32>,
    title: &str,
    host_id: Option<i32>,
) -> sea_orm::Select<event::Entity> {
    let named = event::Entity::find()
        .filter(event::Column::NetworkId.eq(network_id))
        .filter(event::Column::Title.eq(title));
    let named = match year {
        Some(year) => named.filter(event::Column::Year.eq(year)),
        None => named.filter(event::Column::Year.is_null()),
    };
    match host_id {
        Some(host) => named.filter(event::Column::HostId.eq(host)),
        None => named.filter(event::Column::HostId.is_null()),
    }
}

/// An event is named by its network, year, title and host ([`EventValues::natural_key`]): no
/// other event (but `except`, the one being updated) may have the same (`CONFLICT`, naming the
/// title). The database's unique index says the same.
async fn check_unique<C: ConnectionTrait>(
    values: &EventValues,
    db: &C,
    at: &InputPath,
    except: Option<i32>,
) -> AppResult<()> {
    let mut same = named(
        values.network_id,
        values.year,
        &values.title,
        values.host_id,
    );
    if let Some(id) = except {
        same = same.filter(event::Column::Id.ne(id));
    }
    if same.one(db).await?.is_some() {
        let year = values
            .year
            .map_or_else(|| "with no year".to_owned(), |year| format!("in {year}"));
        return Err(AppError::Conflict(format!(
            "The network already has an event {:?} {year} with the same host: an event is \
             named by its network, year, title and host.",
            values.title
        ))
        .at(at.field("title")));
    }
    Ok(())
}

/// `NOT_FOUND` naming the first participant that does not exist.
async fn check_places_exist<C: ConnectionTrait>(
    db: &C,
    participants: &Participants,
    at: &InputPath,
) -> AppResult<()> {
    let places = participants.ids();
    if places.is_empty() {
        return Ok(());
    }
    let found: Vec<i32> = place::Entity::find()
        .filter(place::Column::Id.is_in(places.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|place| place.id)
        .collect();
    match places.iter().position(|id| !found.contains(id)) {
        Some(index) => Err(missing(&at.item("participantIds", index))),
        None => Ok(()),
    }
}

async fn replace_participants<C: ConnectionTrait>(
    db: &C,
    event_id: i32,
    participants: &Participants,
) -> AppResult<()> {
    event_participant::Entity::delete_many()
        .filter(event_participant::Column::EventId.eq(event_id))
        .exec(db)
        .await?;
    for place_id in participants.ids() {
        insert_participant(db, event_id, *place_id).await?;
    }
    Ok(())
}

async fn insert_participant<C: ConnectionTrait>(
    db: &C,
    event_id: i32,
    place_id: i32,
) -> AppResult<()> {
    event_participant::ActiveModel {
        id: NotSet,
        event_id: Set(event_id),
        place_id: Set(place_id),
        source_id: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn find_participant<C: ConnectionTrait>(
    db: &C,
    event_id: i32,
    place_id: i32,
) -> AppResult<Option<event_participant::Model>> {
    Ok(event_participant::Entity::find()
        .filter(event_participant::Column::EventId.eq(event_id))
        .filter(event_participant::Column::PlaceId.eq(place_id))
        .one(db)
        .await?)
}

/// What an event concerns: the places named as participants, its host, and its network.
/// Taken before a change, it lets subscribers of the old places and network hear of the change.
#[derive(Default)]
pub(super) struct Concerned {
    pub places: Vec<i32>,
    pub networks: Vec<i32>,
}

impl Concerned {
    async fn by<C: ConnectionTrait>(db: &C, event: &event::Model) -> AppResult<Self> {
        let mut places: Vec<i32> = event_participant::Entity::find()
            .filter(event_participant::Column::EventId.eq(event.id))
            .order_by_asc(event_participant::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|row| row.place_id)
            .collect();
        places.extend(event.host_id);
        Ok(Self {
            places,
            networks: vec![event.network_id],
        })
    }
}

/// The change announcing `event`, with what it concerns now (read inside the transaction, so
/// the committed state) and what it concerned `before`.
pub(super) async fn event_change<C: ConnectionTrait>(
    db: &C,
    action: Action,
    event: event::Model,
    before: Concerned,
) -> AppResult<Change> {
    let now = Concerned::by(db, &event).await?;
    let merge = |mut ids: Vec<i32>, more: Vec<i32>| {
        ids.extend(more);
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    Ok(Change::Event {
        action,
        place_ids: merge(now.places, before.places),
        network_ids: merge(now.networks, before.networks),
        event,
    })
}
