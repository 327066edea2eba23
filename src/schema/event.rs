//! `Event`: a conference, founding, launch or signing of a network.

use async_graphql::{Context, Enum, Object, Result, ID};
use entity::event;

use super::{
    city::source_of,
    ids::{self, NodeType},
    load, load_required,
    pagination::{self, Conn, PageArgs, RootTable},
    source::Source,
    City, Network,
};
use crate::loaders::{
    by_id::{NetworkId, PlaceId},
    page::PlaceList,
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
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
    async fn participants(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<City>> {
        let args = PageArgs::new(first, after, last, before);
        pagination::related(ctx, PlaceList::ParticipantsOfEvent, self.0.id, args, City).await
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
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<Event>> {
        let args = PageArgs::new(first, after, last, before);
        pagination::root::<event::Entity, _>(ctx, RootTable::Events, args, Event).await
    }
}
