//! `Event`: a conference, founding, launch or signing of a network.

use async_graphql::{Context, Enum, Object, Result, ID};
use entity::event;

use super::{
    city::source_of,
    filters::{CityFilter, CityOrder, CitySpec, EventFilter, EventOrder, EventSpec},
    ids::{self, NodeType},
    load, load_required,
    pagination::{self, Conn, PageArgs},
    source::Source,
    City, Network,
};
use crate::loaders::{
    by_id::{NetworkId, PlaceId},
    page::PlaceList,
};

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    Conference,
    Founding,
    Launch,
    Signing,
}

impl From<event::EventKind> for EventKind {
    fn from(kind: event::EventKind) -> Self {
        use event::EventKind as Db;
        match kind {
            Db::Conference => Self::Conference,
            Db::Founding => Self::Founding,
            Db::Launch => Self::Launch,
            Db::Signing => Self::Signing,
        }
    }
}

impl From<EventKind> for event::EventKind {
    fn from(kind: EventKind) -> Self {
        match kind {
            EventKind::Conference => Self::Conference,
            EventKind::Founding => Self::Founding,
            EventKind::Launch => Self::Launch,
            EventKind::Signing => Self::Signing,
        }
    }
}

pub struct Event(pub event::Model);

#[Object]
impl Event {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Event, self.0.id)
    }
    async fn kind(&self) -> EventKind {
        self.0.kind.into()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn year(&self) -> Option<i32> {
        self.0.year
    }
    async fn topic(&self) -> Option<&str> {
        self.0.topic.as_deref()
    }
    async fn network(&self, ctx: &Context<'_>) -> Result<Network> {
        Ok(Network(
            load_required(ctx, NetworkId(self.0.network_id)).await?,
        ))
    }
    async fn host(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        match self.0.host_id {
            Some(id) => Ok(load(ctx, PlaceId(id)).await?.map(City)),
            None => Ok(None),
        }
    }
    /// The places a source names as taking part (possibly fewer than took part).
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn participants(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<CityFilter>,
        order_by: Option<CityOrder>,
    ) -> Result<Conn<City>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = CitySpec::new(filter, order_by)?;
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
    /// How many took part, as a source states it, even where not all are named.
    async fn reported_participant_count(&self) -> Option<i32> {
        self.0.reported_participant_count
    }
    /// The document this event was taken from.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// All events.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<EventFilter>,
        order_by: Option<EventOrder>,
    ) -> Result<Conn<Event>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = EventSpec::new(filter, order_by)?;
        pagination::root::<event::Entity, _, _>(ctx, spec, args, Event).await
    }
}
