//! `City`: a place that belongs to networks (usually a city, sometimes a region).

use async_graphql::{Context, Enum, Object, Result, ID};
use entity::place;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{
    db,
    filters::{
        CityFilter, CityOrder, CitySpec, EventFilter, EventOrder, EventSpec, MembershipFilter,
        MembershipOrder, MembershipSpec, NetworkFilter, NetworkOrder, NetworkSpec,
    },
    graph::{self, Partner},
    ids::{self, NodeType},
    load,
    pagination::{self, Conn, PageArgs},
    source::Source,
    Event, Membership, Network,
};
use crate::{
    error::AppError,
    loaders::{
        by_id::SourceId,
        graph::EventCountOf,
        page::{CountKey, EventList, MembershipList, NetworkList, PlaceList},
    },
};

/// Counts are `Int` in GraphQL.
pub(super) fn to_i32(count: u64) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

/// A member of a network is usually a city, sometimes a region (Masovian Voivodeship).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlaceKind {
    City,
    Region,
}

impl From<place::PlaceKind> for PlaceKind {
    fn from(kind: place::PlaceKind) -> Self {
        match kind {
            place::PlaceKind::City => Self::City,
            place::PlaceKind::Region => Self::Region,
        }
    }
}

impl From<PlaceKind> for place::PlaceKind {
    fn from(kind: PlaceKind) -> Self {
        match kind {
            PlaceKind::City => Self::City,
            PlaceKind::Region => Self::Region,
        }
    }
}

pub struct City(pub place::Model);

#[Object]
impl City {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::City, self.0.id)
    }
    /// Lowercase ASCII words joined by '-', diacritics dropped: düsseldorf -> dusseldorf.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> PlaceKind {
        self.0.kind.into()
    }
    /// ISO 3166-1 alpha-2, e.g. DE.
    async fn country_code(&self) -> Option<&str> {
        self.0.country_code.as_deref()
    }
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
    /// This place's memberships, oldest record first.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<MembershipFilter>,
        order_by: Option<MembershipOrder>,
    ) -> Result<Conn<Membership>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = MembershipSpec::new(filter, order_by)?;
        pagination::related(
            ctx,
            MembershipList::OfPlace,
            self.0.id,
            spec,
            args,
            Membership,
        )
        .await
    }
    /// The networks this place belongs to.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn networks(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<NetworkFilter>,
        order_by: Option<NetworkOrder>,
    ) -> Result<Conn<Network>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = NetworkSpec::new(filter, order_by)?;
        pagination::related(
            ctx,
            NetworkList::NetworksOfPlace,
            self.0.id,
            spec,
            args,
            Network,
        )
        .await
    }
    /// Events held in this place.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn hosted_events(
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
        pagination::related(ctx, EventList::HostedByPlace, self.0.id, spec, args, Event).await
    }
    /// Events this place is named as taking part in.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn attended_events(
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
        pagination::related(
            ctx,
            EventList::AttendedByPlace,
            self.0.id,
            spec,
            args,
            Event,
        )
        .await
    }
    /// This place's twin cities; a twinning shows from both sides.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn twin_cities(
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
        pagination::related(ctx, PlaceList::TwinsOfPlace, self.0.id, spec, args, City).await
    }
    /// Places that share at least one network with this one, most shared networks first.
    #[graphql(
        complexity = "pagination::list_cost(first, last, child_complexity).saturating_add(graph::PARTNERS_COST)"
    )]
    async fn partners(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Conn<Partner>> {
        let args = PageArgs::new(first, after, last, before);
        graph::partners(ctx, self.0.id, args).await
    }
    /// How many networks this place belongs to.
    async fn network_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let key = CountKey {
            relation: NetworkList::NetworksOfPlace,
            parent: self.0.id,
            spec: NetworkSpec::new(None, None)?,
        };
        Ok(to_i32(load(ctx, key).await?.unwrap_or(0)))
    }
    /// How many distinct events this place hosted or is named as taking part in.
    async fn event_count(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(to_i32(
            load(ctx, EventCountOf(self.0.id)).await?.unwrap_or(0),
        ))
    }
    /// The document this place was taken from.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

/// Loads a record's source document, if it has one.
pub(super) async fn source_of(ctx: &Context<'_>, source_id: Option<i32>) -> Result<Option<Source>> {
    match source_id {
        Some(id) => Ok(load(ctx, SourceId(id)).await?.map(Source)),
        None => Ok(None),
    }
}

#[derive(Default)]
pub struct CityQuery;

#[Object]
impl CityQuery {
    /// A place by slug, or null when there is none.
    async fn city(&self, ctx: &Context<'_>, slug: String) -> Result<Option<City>> {
        let found = place::Entity::find()
            .filter(place::Column::Slug.eq(slug))
            .one(db(ctx)?)
            .await
            .map_err(AppError::from)?;
        Ok(found.map(City))
    }
    /// All places (cities and regions).
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn cities(
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
        pagination::root::<place::Entity, _, _>(ctx, spec, args, City).await
    }
}
