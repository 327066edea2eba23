//! `createEvent`, `updateEvent`, `deleteEvent`, `addEventParticipant`,
//! `removeEventParticipant`.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};
use entity::{event, event_participant, network, place};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    QueryFilter, QueryOrder,
};

use super::{
    authorize,
    input::{self, existing},
    unless_null, updated_with, Write,
};
use crate::{
    changes::{Action, Change},
    error::{AppError, AppResult},
    schema::{
        event::EventKind,
        ids::{self, NodeType},
        Event,
    },
    search,
};

const MAX_TITLE: usize = 300;
const MAX_TOPIC: usize = 200;
const MAX_PARTICIPANTS: usize = 500;

/// An event to add with `createEvent`.
#[derive(InputObject)]
pub struct CreateEventInput {
    /// The network that held the event.
    network_id: ID,
    /// What kind of event it is.
    kind: EventKind,
    /// The event's title: at most 300 characters, trimmed, no control characters.
    title: String,
    /// The year the event took place, from 1800 to the current year.
    year: Option<i32>,
    /// What the event was about, in a few words: at most 200 characters; empty means none.
    topic: Option<String>,
    /// The `City` the event took place in.
    host_id: Option<ID>,
    /// How many places took part, as a source states it; not negative.
    reported_participant_count: Option<i32>,
    /// The `City` ids named as taking part, each once (at most 500).
    #[graphql(default)]
    participant_ids: Vec<ID>,
}

/// The result of `createEvent`.
#[derive(SimpleObject)]
pub struct CreateEventPayload {
    /// The new event.
    event: Event,
}

/// Changes to an event, for `updateEvent`. Fields left out stay as they are; `null` clears a
/// nullable field; `participantIds` replaces the whole list when given. The rules for each value
/// are those of `CreateEventInput`.
#[derive(InputObject)]
pub struct UpdateEventInput {
    /// The global id of the event to change.
    id: ID,
    /// The global id of the `Network` that now holds the event; cannot be null.
    network_id: MaybeUndefined<ID>,
    /// The new kind; cannot be null.
    kind: MaybeUndefined<EventKind>,
    /// The new title; cannot be null.
    title: MaybeUndefined<String>,
    /// The new year.
    year: MaybeUndefined<i32>,
    /// The new topic; null or empty clears it.
    topic: MaybeUndefined<String>,
    /// The global id of the `City` that hosted the event.
    host_id: MaybeUndefined<ID>,
    /// The new reported participant count.
    reported_participant_count: MaybeUndefined<i32>,
    /// The `City` ids named as taking part, replacing all current participants (`[]` removes
    /// them); cannot be null.
    participant_ids: MaybeUndefined<Vec<ID>>,
}

/// The result of `updateEvent`.
#[derive(SimpleObject)]
pub struct UpdateEventPayload {
    /// The event as changed.
    event: Event,
}

/// The event to delete with `deleteEvent`.
#[derive(InputObject)]
pub struct DeleteEventInput {
    /// The event; its participant records are deleted with it.
    id: ID,
}

/// The result of `deleteEvent`.
#[derive(SimpleObject)]
pub struct DeleteEventPayload {
    /// The global id the deleted event had.
    deleted_event_id: ID,
}

/// An event and a place, for `addEventParticipant` and `removeEventParticipant`.
#[derive(InputObject)]
pub struct EventParticipantInput {
    /// The global id of the `Event`.
    event_id: ID,
    /// The global id of the `City`.
    city_id: ID,
}

/// The result of `addEventParticipant` or `removeEventParticipant`.
#[derive(SimpleObject)]
pub struct EventParticipantPayload {
    /// The event, with its participants as changed.
    event: Event,
}

#[derive(Default)]
pub struct EventMutation;

#[Object]
impl EventMutation {
    /// Adds an event of a network, with the places named as taking part.
    async fn create_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event to add.")] input: CreateEventInput,
    ) -> Option<Result<CreateEventPayload>> {
        Some(create_event(ctx, input).await)
    }

    /// Changes an event's attributes or its participants.
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event to change, and how.")] input: UpdateEventInput,
    ) -> Option<Result<UpdateEventPayload>> {
        Some(update_event(ctx, input).await)
    }

    /// Deletes an event and its participant records.
    async fn delete_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event to delete.")] input: DeleteEventInput,
    ) -> Option<Result<DeleteEventPayload>> {
        Some(delete_event(ctx, input).await)
    }

    /// Names a place as taking part in an event (`CONFLICT` if it already is).
    async fn add_event_participant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event, and the place to name as taking part.")]
        input: EventParticipantInput,
    ) -> Option<Result<EventParticipantPayload>> {
        Some(add_event_participant(ctx, input).await)
    }

    /// Removes a place from an event's participants (`NOT_FOUND` if it is not one).
    async fn remove_event_participant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event, and the place to remove from its participants.")]
        input: EventParticipantInput,
    ) -> Option<Result<EventParticipantPayload>> {
        Some(remove_event_participant(ctx, input).await)
    }
}

async fn create_event(ctx: &Context<'_>, input: CreateEventInput) -> Result<CreateEventPayload> {
    authorize(ctx)?;
    let values = EventValues {
        network_id: input::row_id("input.networkId", &input.network_id, NodeType::Network)?,
        kind: input.kind,
        title: input::text("input.title", &input.title, MAX_TITLE)?,
        year: input::year("input.year", input.year)?,
        topic: input::optional_text("input.topic", input.topic.as_deref(), MAX_TOPIC)?,
        host_id: input
            .host_id
            .as_ref()
            .map(|id| input::row_id("input.hostId", id, NodeType::City))
            .transpose()?,
        reported_participant_count: input::count(
            "input.reportedParticipantCount",
            input.reported_participant_count,
        )?,
    };
    let participants = participant_ids(&input.participant_ids)?;
    let mut write = Write::begin(ctx).await?;
    values.check_references(write.db()).await?;
    check_places_exist(write.db(), &participants).await?;
    let event = values
        .into_active(NotSet, None)
        .insert(write.db())
        .await
        .map_err(AppError::from)?;
    replace_participants(write.db(), event.id, &participants).await?;
    search::reindex_one(write.db(), search::event_entry(&event))
        .await
        .map_err(AppError::from)?;
    let change = event_change(
        write.db(),
        Action::Created,
        event.clone(),
        Concerned::default(),
    )
    .await?;
    write.record(change);
    write.commit(ctx).await?;
    Ok(CreateEventPayload {
        event: Event(event),
    })
}

async fn update_event(ctx: &Context<'_>, input: UpdateEventInput) -> Result<UpdateEventPayload> {
    authorize(ctx)?;
    let network_id = unless_null("input.networkId", input.network_id)?;
    let kind = unless_null("input.kind", input.kind)?;
    let title = unless_null("input.title", input.title)?;
    let listed = unless_null("input.participantIds", input.participant_ids)?;
    let id = input::row_id("input.id", &input.id, NodeType::Event)?;
    let participants = listed.as_deref().map(participant_ids).transpose()?;
    let mut write = Write::begin(ctx).await?;
    let current = existing::<event::Entity, _>(write.db(), "input.id", id).await?;
    let before = Concerned::by(write.db(), &current).await?;
    let values = EventValues {
        network_id: match &network_id {
            Some(network) => input::row_id("input.networkId", network, NodeType::Network)?,
            None => current.network_id,
        },
        kind: kind.unwrap_or(current.kind.into()),
        title: match &title {
            Some(title) => input::text("input.title", title, MAX_TITLE)?,
            None => current.title.clone(),
        },
        year: updated_with(input.year, current.year, |year| {
            input::year("input.year", Some(year))
        })?,
        topic: updated_with(input.topic, current.topic.clone(), |text| {
            input::optional_text("input.topic", Some(&text), MAX_TOPIC)
        })?,
        host_id: updated_with(input.host_id, current.host_id, |host| {
            input::row_id("input.hostId", &host, NodeType::City).map(Some)
        })?,
        reported_participant_count: updated_with(
            input.reported_participant_count,
            current.reported_participant_count,
            |n| input::count("input.reportedParticipantCount", Some(n)),
        )?,
    };
    values.check_references(write.db()).await?;
    let event = values
        .into_active(Set(id), current.source_id)
        .update(write.db())
        .await
        .map_err(AppError::from)?;
    if let Some(participants) = participants {
        check_places_exist(write.db(), &participants).await?;
        replace_participants(write.db(), id, &participants).await?;
    }
    search::reindex_one(write.db(), search::event_entry(&event))
        .await
        .map_err(AppError::from)?;
    let change = event_change(write.db(), Action::Updated, event.clone(), before).await?;
    write.record(change);
    write.commit(ctx).await?;
    Ok(UpdateEventPayload {
        event: Event(event),
    })
}

async fn delete_event(ctx: &Context<'_>, input: DeleteEventInput) -> Result<DeleteEventPayload> {
    authorize(ctx)?;
    let id = input::row_id("input.id", &input.id, NodeType::Event)?;
    let mut write = Write::begin(ctx).await?;
    let event = existing::<event::Entity, _>(write.db(), "input.id", id).await?;
    let change = event_change(write.db(), Action::Deleted, event, Concerned::default()).await?;
    event::Entity::delete_by_id(id)
        .exec(write.db())
        .await
        .map_err(AppError::from)?;
    search::remove(write.db(), search::Kind::Event, id)
        .await
        .map_err(AppError::from)?;
    write.record(change);
    write.commit(ctx).await?;
    Ok(DeleteEventPayload {
        deleted_event_id: ids::encode(NodeType::Event, id),
    })
}

async fn add_event_participant(
    ctx: &Context<'_>,
    input: EventParticipantInput,
) -> Result<EventParticipantPayload> {
    authorize(ctx)?;
    let (event_id, place_id) = participant_key(&input)?;
    let mut write = Write::begin(ctx).await?;
    let event = existing::<event::Entity, _>(write.db(), "input.eventId", event_id).await?;
    let before = Concerned::by(write.db(), &event).await?;
    let place = existing::<place::Entity, _>(write.db(), "input.cityId", place_id).await?;
    if find_participant(write.db(), event_id, place_id)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "{} is already a participant of {:?}.",
            place.name, event.title
        ))
        .at("input.cityId")
        .into());
    }
    add_participant(write.db(), event_id, place_id).await?;
    let change = event_change(write.db(), Action::Updated, event.clone(), before).await?;
    write.record(change);
    write.commit(ctx).await?;
    Ok(EventParticipantPayload {
        event: Event(event),
    })
}

async fn remove_event_participant(
    ctx: &Context<'_>,
    input: EventParticipantInput,
) -> Result<EventParticipantPayload> {
    authorize(ctx)?;
    let (event_id, place_id) = participant_key(&input)?;
    let mut write = Write::begin(ctx).await?;
    let event = existing::<event::Entity, _>(write.db(), "input.eventId", event_id).await?;
    let before = Concerned::by(write.db(), &event).await?;
    let Some(row) = find_participant(write.db(), event_id, place_id).await? else {
        return Err(
            AppError::NotFound("That place is not a participant of that event.".into())
                .at("input.cityId")
                .into(),
        );
    };
    event_participant::Entity::delete_by_id(row.id)
        .exec(write.db())
        .await
        .map_err(AppError::from)?;
    let change = event_change(write.db(), Action::Updated, event.clone(), before).await?;
    write.record(change);
    write.commit(ctx).await?;
    Ok(EventParticipantPayload {
        event: Event(event),
    })
}

/// An event's checked attributes, as written by create and update.
struct EventValues {
    network_id: i32,
    kind: EventKind,
    title: String,
    year: Option<i32>,
    topic: Option<String>,
    host_id: Option<i32>,
    reported_participant_count: Option<i32>,
}

impl EventValues {
    /// The network and the host must exist.
    async fn check_references<C: ConnectionTrait>(&self, db: &C) -> AppResult<()> {
        existing::<network::Entity, _>(db, "input.networkId", self.network_id).await?;
        if let Some(host) = self.host_id {
            existing::<place::Entity, _>(db, "input.hostId", host).await?;
        }
        Ok(())
    }

    fn into_active(
        self,
        id: sea_orm::ActiveValue<i32>,
        source_id: Option<i32>,
    ) -> event::ActiveModel {
        event::ActiveModel {
            id,
            kind: Set(self.kind.into()),
            title: Set(self.title),
            year: Set(self.year),
            topic: Set(self.topic),
            network_id: Set(self.network_id),
            host_id: Set(self.host_id),
            reported_participant_count: Set(self.reported_participant_count),
            source_id: Set(source_id),
        }
    }
}

/// The row ids of `participantIds`: each a `City` id, none twice, at most [`MAX_PARTICIPANTS`].
fn participant_ids(ids: &[ID]) -> AppResult<Vec<i32>> {
    if ids.len() > MAX_PARTICIPANTS {
        return Err(AppError::BadUserInput(format!(
            "`input.participantIds` may hold at most {MAX_PARTICIPANTS} ids."
        ))
        .at("input.participantIds"));
    }
    let mut rows: Vec<i32> = Vec::with_capacity(ids.len());
    for (index, id) in ids.iter().enumerate() {
        let field = format!("input.participantIds[{index}]");
        let row = input::row_id(&field, id, NodeType::City)?;
        if rows.contains(&row) {
            return Err(AppError::BadUserInput(
                "This place is listed as a participant twice.".into(),
            )
            .at(field));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// `NOT_FOUND` naming the first participant that does not exist.
async fn check_places_exist<C: ConnectionTrait>(db: &C, places: &[i32]) -> AppResult<()> {
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
        Some(index) => {
            let field = format!("input.participantIds[{index}]");
            Err(AppError::NotFound(format!("`{field}` names nothing that exists.")).at(field))
        }
        None => Ok(()),
    }
}

async fn replace_participants<C: ConnectionTrait>(
    db: &C,
    event_id: i32,
    places: &[i32],
) -> AppResult<()> {
    event_participant::Entity::delete_many()
        .filter(event_participant::Column::EventId.eq(event_id))
        .exec(db)
        .await?;
    for place_id in places {
        add_participant(db, event_id, *place_id).await?;
    }
    Ok(())
}

async fn add_participant<C: ConnectionTrait>(
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

fn participant_key(input: &EventParticipantInput) -> AppResult<(i32, i32)> {
    Ok((
        input::row_id("input.eventId", &input.event_id, NodeType::Event)?,
        input::row_id("input.cityId", &input.city_id, NodeType::City)?,
    ))
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
    pub(super) async fn by<C: ConnectionTrait>(db: &C, event: &event::Model) -> AppResult<Self> {
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
