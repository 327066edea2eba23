//! `Event`: a conference, founding, launch or signing of a network.

use async_graphql::{Context, Object, Result, ID};
use entity::event;

use super::{
    filters::{list_spec, CityFilter, CityOrder, EventFilter, EventOrder},
    ids::{self, NodeType},
    load, load_required,
    pagination::{self, Conn, PageArgs},
    source::{source_of, Source},
    City, Network,
};
use crate::loaders::{
    by_id::{NetworkId, PlaceId},
    page::PlaceList,
};

pub struct Event(pub event::Model);

/// Something a network did at one time: a conference, its founding, a launch or a signing. List
/// them with `events`, `Network.events`, `City.hostedEvents` and `City.attendedEvents`.
#[Object]
impl Event {
    /// The event's global id, for `node(id:)` and mutations. Opaque: do not parse it.
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Event, self.0.id)
    }
    /// What kind of event this is.
    async fn kind(&self) -> super::enums::EventKind {
        self.0.kind.into()
    }
    /// The event's title, e.g. "Founding of the Union of the Baltic Cities".
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The year the event took place; null where a source does not state it.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }
    /// What the event was about, in a few words, e.g. "ending AIDS"; null where none is
    /// recorded.
    async fn topic(&self) -> Option<&str> {
        self.0.topic.as_deref()
    }
    /// The network that held the event.
    async fn network(&self, ctx: &Context<'_>) -> Result<Network> {
        Ok(Network(
            load_required(ctx, NetworkId(self.0.network_id)).await?,
        ))
    }
    /// The place the event was held in; null where none is recorded.
    async fn host(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        match self.0.host_id {
            Some(id) => Ok(load(ctx, PlaceId(id)).await?.map(City)),
            None => Ok(None),
        }
    }
    /// The places a source names as taking part (possibly fewer than took part; see
    /// `reportedParticipantCount`), by default in the order they were recorded.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn participants(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Returns the first _n_ elements from the list, _n_ from 0 to 100; cannot \
            be combined with `last` (`BAD_USER_INPUT` otherwise). When neither `first` nor \
            `last` is given, the first 100 elements are returned."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the elements that come after this cursor: an edge's `cursor` or \
            `pageInfo.endCursor` that this field returned with the same `orderBy` \
            (`INVALID_CURSOR` otherwise)."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Returns the last _n_ elements from the list, _n_ from 0 to 100; cannot \
            be combined with `first` (`BAD_USER_INPUT` otherwise)."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Returns the elements that come before this cursor: an edge's `cursor` or \
            `pageInfo.startCursor` that this field returned with the same `orderBy` \
            (`INVALID_CURSOR` otherwise)."
        )]
        before: Option<String>,
        #[graphql(desc = "Only the places that match this filter.")] filter: Option<CityFilter>,
        #[graphql(
            desc = "How to order the places; by default, in the order the participants were \
            recorded."
        )]
        order_by: Option<CityOrder>,
    ) -> Result<Conn<City>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = list_spec(filter, order_by)?;
        pagination::related(
            ctx,
            PlaceList::ParticipantsOfEvent,
            self.0.id,
            spec,
            args,
            City,
        )
        .await
    }
    /// How many places took part, as a source states it, even where not all are named in
    /// `participants`; null where no number is stated.
    async fn reported_participant_count(&self) -> Option<i32> {
        self.0.reported_participant_count
    }
    /// The sentence of the source that states the event, verbatim; null where none is
    /// recorded.
    async fn evidence(&self) -> Option<super::statement::Evidence> {
        super::statement::Evidence::of(self.0.evidence_kind, &self.0.evidence_quote)
    }
    /// The source document this event was taken from; null where none is recorded (as for
    /// events added through the API).
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// All events, by default in the order they were recorded.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Returns the first _n_ elements from the list, _n_ from 0 to 100; cannot \
            be combined with `last` (`BAD_USER_INPUT` otherwise). When neither `first` nor \
            `last` is given, the first 100 elements are returned."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the elements that come after this cursor: an edge's `cursor` or \
            `pageInfo.endCursor` that this field returned with the same `orderBy` \
            (`INVALID_CURSOR` otherwise)."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Returns the last _n_ elements from the list, _n_ from 0 to 100; cannot \
            be combined with `first` (`BAD_USER_INPUT` otherwise)."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Returns the elements that come before this cursor: an edge's `cursor` or \
            `pageInfo.startCursor` that this field returned with the same `orderBy` \
            (`INVALID_CURSOR` otherwise)."
        )]
        before: Option<String>,
        #[graphql(desc = "Only the events that match this filter.")] filter: Option<EventFilter>,
        #[graphql(desc = "How to order the events; by default, in the order they were recorded.")]
        order_by: Option<EventOrder>,
    ) -> Result<Conn<Event>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = list_spec(filter, order_by)?;
        pagination::root::<event::Entity, _, _>(ctx, spec, args, Event).await
    }
}
