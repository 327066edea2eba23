//! `City`: a place that belongs to networks (usually a city, sometimes a region).

use super::{
    db,
    filters::{
        list_spec, CityFilter, CityOrder, EventFilter, EventOrder, MembershipFilter,
        MembershipOrder, NetworkFilter, NetworkOrder, NetworkSpec,
    },
    graph::{self, Partner},
    ids::{self, NodeType},
    load,
    lookup::{CityBy, Key},
    pagination::{self, Conn, PageArgs},
    saturating_i32,
    source::{source_of, Source},
    Event, Membership, Network,
};
use crate::loaders::{
    by_id::PlaceId,
    by_slug,
    graph::EventCountOf,
    page::{CountKey, EventList, MembershipList, NetworkList, PlaceList},
};
use async_graphql::{Context, Object, Result, ID};
use entity::place;

pub struct City(pub place::Model);

/// A place that takes part in inter-city networks: usually a city, sometimes a region (see
/// `kind`). Fetch one with `city(slug:)`, list them with `cities`, or find them by name with
/// `search`.
#[Object]
impl City {
    /// The place's global id, for `node(id:)` and mutations. Opaque: do not parse it.
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::City, self.0.id)
    }
    /// The place's unique name in URLs and in `city(slug:)`: lowercase ASCII words joined by `-`,
    /// diacritics dropped (Düsseldorf: `dusseldorf`).
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The place's name as it is usually written, e.g. "Düsseldorf".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Other names and spellings of the place ("Gdańsk", "Danzig"); `search` finds the place by
    /// them.
    async fn alternate_names(&self) -> &[String] {
        &self.0.alternate_names.0
    }
    /// Whether the place is a city or a region.
    async fn kind(&self) -> super::enums::PlaceKind {
        self.0.kind.into()
    }
    /// The place's country as an ISO 3166-1 alpha-2 code in capitals, e.g. `DE`; null where it
    /// is not recorded.
    async fn country_code(&self) -> Option<&str> {
        self.0.country_code.as_deref()
    }
    /// The latitude in degrees, from -90 (south) to 90 (north); null where it is not recorded.
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    /// The longitude in degrees, from -180 (west) to 180 (east); null where it is not recorded.
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
    /// This place's memberships in networks, by default in the order they were recorded.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn memberships(
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
        #[graphql(desc = "Only the memberships that match this filter.")] filter: Option<
            MembershipFilter,
        >,
        #[graphql(
            desc = "How to order the memberships; by default, in the order they were \
            recorded."
        )]
        order_by: Option<MembershipOrder>,
    ) -> Result<Conn<Membership>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = list_spec(filter, order_by)?;
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
    /// The networks this place belongs to, by default in the order its memberships were
    /// recorded.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn networks(
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
        #[graphql(desc = "Only the networks that match this filter.")] filter: Option<
            NetworkFilter,
        >,
        #[graphql(
            desc = "How to order the networks; by default, in the order this place's \
            memberships were recorded."
        )]
        order_by: Option<NetworkOrder>,
    ) -> Result<Conn<Network>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = list_spec(filter, order_by)?;
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
    /// The events this place hosted (see `Event.host`).
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn hosted_events(
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
        pagination::related(ctx, EventList::HostedByPlace, self.0.id, spec, args, Event).await
    }
    /// The events a source names this place as taking part in (see `Event.participants`).
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn attended_events(
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
        #[graphql(
            desc = "How to order the events; by default, in the order the participations \
            were recorded."
        )]
        order_by: Option<EventOrder>,
    ) -> Result<Conn<Event>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = list_spec(filter, order_by)?;
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
    /// This place's twin cities (sister cities). A twinning shows from both sides: each
    /// place lists the other.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn twin_cities(
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
            desc = "How to order the places; by default, in the order the twinnings were \
            recorded."
        )]
        order_by: Option<CityOrder>,
    ) -> Result<Conn<City>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = list_spec(filter, order_by)?;
        pagination::related(ctx, PlaceList::TwinsOfPlace, self.0.id, spec, args, City).await
    }
    /// The places that share at least one network with this one, most shared networks first
    /// (ties in the order the places were recorded). Costs 10 000 towards the query cost limit on
    /// top of its page, whatever the page size.
    #[graphql(
        complexity = "pagination::list_cost(first, last, child_complexity).saturating_add(graph::PARTNERS_COST)"
    )]
    async fn partners(
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
            `pageInfo.endCursor` that this field returned (`INVALID_CURSOR` otherwise)."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Returns the last _n_ elements from the list, _n_ from 0 to 100; cannot \
            be combined with `first` (`BAD_USER_INPUT` otherwise)."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Returns the elements that come before this cursor: an edge's `cursor` or \
            `pageInfo.startCursor` that this field returned (`INVALID_CURSOR` otherwise)."
        )]
        before: Option<String>,
    ) -> Result<Conn<Partner>> {
        let args = PageArgs::new(first, after, last, before);
        graph::partners(ctx, self.0.id, args).await
    }
    /// How many networks this place belongs to (the `totalCount` of `networks`).
    async fn network_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let key = CountKey {
            relation: NetworkList::NetworksOfPlace,
            parent: self.0.id,
            spec: NetworkSpec::default(),
        };
        Ok(saturating_i32(load(ctx, key).await?.unwrap_or(0)))
    }
    /// How many distinct events this place hosted or is named as taking part in.
    async fn event_count(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(saturating_i32(
            load(ctx, EventCountOf(self.0.id)).await?.unwrap_or(0),
        ))
    }
    /// The source document this place was taken from; null where none is recorded (as for
    /// places added through the API).
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

#[derive(Default)]
pub struct CityQuery;

#[Object]
impl CityQuery {
    /// A place by its slug or its id (`by`); null when no place has it. Give exactly one of
    /// `slug` and `by` (`BAD_USER_INPUT` otherwise).
    async fn city(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The place's `slug`, exactly as `City.slug` gives it, e.g. `rostock`.")]
        slug: Option<String>,
        #[graphql(desc = "The place's id or its slug: `{ id: … }` or `{ slug: \"rostock\" }`.")]
        by: Option<CityBy>,
    ) -> Result<Option<City>> {
        let found = match Key::of_city(slug, by)? {
            Key::Slug(slug) => by_slug::place(db(ctx)?, &slug).await?,
            Key::Row(Some(row)) => load(ctx, PlaceId(row)).await?,
            Key::Row(None) => None,
        };
        Ok(found.map(City))
    }
    /// All places (cities and regions), by default in the order they were recorded.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn cities(
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
        #[graphql(desc = "How to order the places; by default, in the order they were recorded.")]
        order_by: Option<CityOrder>,
    ) -> Result<Conn<City>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = list_spec(filter, order_by)?;
        pagination::root::<place::Entity, _, _>(ctx, spec, args, City).await
    }
}
