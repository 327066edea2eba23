//! `createEvent`, `updateEvent`, `deleteEvent`, `addEventParticipant`,
//! `removeEventParticipant`: the GraphQL face of [`crate::service::event`].

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};

use super::{at_input, authorize, given, input::row_id, unless_null, updated_with, Write};
use crate::schema::statement::EvidenceInput;
use crate::{
    domain::{Count, Participants, Subject, Title, Year},
    error::AppResult,
    schema::{
        enums::EventKind,
        ids::{self, NodeType},
        Event,
    },
    service::event::{self, EventUpdate, NewEvent},
};

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
    /// What the event rests on in its source: the sentence stating it, or that the page lists
    /// it.
    evidence: Option<EvidenceInput>,
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
    /// The new evidence; null clears it.
    evidence: MaybeUndefined<EvidenceInput>,
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
    let new = new_event(input)?;
    let mut write = Write::begin(ctx).await?;
    let (event, changes) = event::create(write.db(), new, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(CreateEventPayload {
        event: Event(event),
    })
}

async fn update_event(ctx: &Context<'_>, input: UpdateEventInput) -> Result<UpdateEventPayload> {
    authorize(ctx)?;
    let id = row_id("input.id", &input.id, NodeType::Event)?;
    let edit = event_update(input)?;
    let mut write = Write::begin(ctx).await?;
    let (event, changes) = event::update(write.db(), id, edit, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(UpdateEventPayload {
        event: Event(event),
    })
}

async fn delete_event(ctx: &Context<'_>, input: DeleteEventInput) -> Result<DeleteEventPayload> {
    authorize(ctx)?;
    let id = row_id("input.id", &input.id, NodeType::Event)?;
    let mut write = Write::begin(ctx).await?;
    let (_, changes) = event::delete(write.db(), id, &at_input()).await?;
    write.record(changes);
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
    let (event, changes) =
        event::add_participant(write.db(), event_id, place_id, &at_input()).await?;
    write.record(changes);
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
    let (event, changes) =
        event::remove_participant(write.db(), event_id, place_id, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(EventParticipantPayload {
        event: Event(event),
    })
}

fn new_event(input: CreateEventInput) -> AppResult<NewEvent> {
    Ok(NewEvent {
        network_id: row_id("input.networkId", &input.network_id, NodeType::Network)?,
        kind: input.kind.into(),
        title: Title::parse("input.title", &input.title)?,
        year: given(input.year, |year| Year::parse("input.year", year))?,
        topic: Subject::parse_optional("input.topic", input.topic.as_deref())?,
        host_id: given(input.host_id, |id| {
            row_id("input.hostId", &id, NodeType::City)
        })?,
        reported_participant_count: given(input.reported_participant_count, |n| {
            Count::parse("input.reportedParticipantCount", n)
        })?,
        participants: participants(&input.participant_ids)?,
        evidence: given(input.evidence, |evidence| evidence.parse("input.evidence"))?,
    })
}

fn event_update(input: UpdateEventInput) -> AppResult<EventUpdate> {
    Ok(EventUpdate {
        network_id: unless_null("input.networkId", input.network_id, |id| {
            row_id("input.networkId", &id, NodeType::Network)
        })?,
        kind: unless_null("input.kind", input.kind, |kind| Ok(kind.into()))?,
        title: unless_null("input.title", input.title, |title| {
            Title::parse("input.title", &title)
        })?,
        participants: unless_null("input.participantIds", input.participant_ids, |ids| {
            participants(&ids)
        })?,
        year: updated_with(input.year, |year| Year::parse("input.year", year).map(Some))?,
        topic: updated_with(input.topic, |text| {
            Subject::parse_optional("input.topic", Some(&text))
        })?,
        host_id: updated_with(input.host_id, |id| {
            row_id("input.hostId", &id, NodeType::City).map(Some)
        })?,
        reported_participant_count: updated_with(input.reported_participant_count, |n| {
            Count::parse("input.reportedParticipantCount", n).map(Some)
        })?,
        evidence: updated_with(input.evidence, |evidence| {
            evidence.parse("input.evidence").map(Some)
        })?,
    })
}

/// The row ids of `participantIds`: `City` ids, none twice.
fn participants(ids: &[ID]) -> AppResult<Participants> {
    Participants::parse("input.participantIds", ids, |field, id| {
        row_id(field, id, NodeType::City)
    })
}

fn participant_key(input: &EventParticipantInput) -> AppResult<(i32, i32)> {
    Ok((
        row_id("input.eventId", &input.event_id, NodeType::Event)?,
        row_id("input.cityId", &input.city_id, NodeType::City)?,
    ))
}
