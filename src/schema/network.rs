//! `Network`: an inter-city network and its memberships, members and events.

use async_graphql::{Context, Object, Result, ID};
use entity::{network, place};
use sea_orm::ActiveEnum;

use super::{
    db,
    filters::{
        list_spec, CityFilter, CityOrder, EventFilter, EventOrder, MembershipFilter,
        MembershipOrder, NetworkFilter, NetworkOrder,
    },
    graph::{CountryCount, KindCount},
    ids::{self, NodeType},
    load,
    lookup::{Key, NetworkBy},
    pagination::{self, Conn, PageArgs},
    saturating_i32,
    source::{source_of, Source},
    City, Event, Membership,
};
use crate::loaders::{
    by_id::{NetworkId, PlaceId},
    by_slug,
    graph::{MemberCountsBy, PlaceAttribute},
    page::{EventList, MembershipList, PlaceList},
    topics::TopicsOf,
};

async fn member_counts(
    ctx: &Context<'_>,
    network: i32,
    attribute: PlaceAttribute,
) -> Result<Vec<(Option<String>, u64)>> {
    Ok(load(ctx, MemberCountsBy { network, attribute })
        .await?
        .unwrap_or_default())
}

pub struct Network(pub network::Model);

/// An inter-city network, such as the Union of the Baltic Cities: its members (`memberships`,
/// `members`) and its `events`. Fetch one with `network(slug:)` or list them with `networks`.
#[Object]
impl Network {
    /// The network's global id, for `node(id:)` and mutations. Opaque: do not parse it.
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Network, self.0.id)
    }
    /// The network's unique name in URLs and in `network(slug:)`: lowercase ASCII words joined by
    /// `-`, e.g. `ubc`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The network's full name, e.g. "Union of the Baltic Cities".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The network's usual abbreviation, e.g. "UBC"; null where it has none.
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }
    /// What the network is and does, in plain text; null where none is recorded.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Short lowercase tags for what the network works on, e.g. climate, peace, crisis management;
    /// empty where none are recorded.
    async fn topics(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(load(ctx, TopicsOf(self.0.id)).await?.unwrap_or_default())
    }
    /// The year the network was founded; null where a source does not state it.
    async fn founded_year(&self) -> Option<i32> {
        self.0.founded_year
    }
    /// The place the network was founded in; null where none is recorded.
    async fn founded_in(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        match self.0.founded_in_id {
            Some(id) => Ok(load(ctx, PlaceId(id)).await?.map(City)),
            None => Ok(None),
        }
    }
    /// The member count a source gives ("about 100" is 100), which may differ from the members
    /// listed here; null where none is given. Where the source counts the members around one
    /// of them, the count is derived from its words, not stated by it: "together with more than
    /// 60 other cities, Berlin …" is recorded as more than 61 (ICORN); the seed data's note on
    /// the record says so.
    async fn reported_member_count(&self) -> Option<i32> {
        self.0.reported_member_count
    }
    /// How the source qualifies `reportedMemberCount` ("about 100" is `ABOUT`); null where no
    /// count, or no qualifier, is recorded.
    async fn reported_member_count_qualifier(&self) -> Option<super::enums::CountQualifier> {
        self.0.reported_member_count_qualifier.map(Into::into)
    }
    /// Other names the sources give the network (e.g. its German name, "Union der
    /// Ostseestädte"); `search` finds the network by them.
    async fn alternate_names(&self) -> &[String] {
        &self.0.alternate_names.0
    }
    /// The network's memberships, by default in the order they were recorded.
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
            MembershipList::OfNetwork,
            self.0.id,
            spec,
            args,
            Membership,
        )
        .await
    }
    /// The places that are members, by default in the order their memberships were recorded.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn members(
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
            desc = "How to order the places; by default, in the order their memberships were \
            recorded."
        )]
        order_by: Option<CityOrder>,
    ) -> Result<Conn<City>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = list_spec(filter, order_by)?;
        pagination::related(
            ctx,
            PlaceList::MembersOfNetwork,
            self.0.id,
            spec,
            args,
            City,
        )
        .await
    }
    /// The network's events, by default in the order they were recorded.
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
        pagination::related(ctx, EventList::OfNetwork, self.0.id, spec, args, Event).await
    }
    /// The members counted per country, most first; members without a country are counted
    /// under a null `countryCode`.
    async fn member_count_by_country(&self, ctx: &Context<'_>) -> Result<Vec<CountryCount>> {
        let counts = member_counts(ctx, self.0.id, PlaceAttribute::CountryCode).await?;
        Ok(counts
            .into_iter()
            .map(|(country_code, count)| CountryCount {
                country_code,
                count: saturating_i32(count),
            })
            .collect())
    }
    /// The members counted per kind (cities, regions), most first; kinds without members are
    /// left out.
    async fn member_count_by_kind(&self, ctx: &Context<'_>) -> Result<Vec<KindCount>> {
        let counts = member_counts(ctx, self.0.id, PlaceAttribute::Kind).await?;
        Ok(counts
            .into_iter()
            .filter_map(|(kind, count)| {
                // The stored spelling, read by the entity enum; anything else is left out.
                let kind = place::PlaceKind::try_from_value(&kind?).ok()?;
                Some(KindCount {
                    kind: kind.into(),
                    count: saturating_i32(count),
                })
            })
            .collect())
    }
    /// The source document this network was taken from; null where none is recorded (as for
    /// networks added through the API).
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

#[derive(Default)]
pub struct NetworkQuery;

#[Object]
impl NetworkQuery {
    /// A network by its slug or its id (`by`); null when no network has it. Give exactly one
    /// of `slug` and `by` (`BAD_USER_INPUT` otherwise).
    async fn network(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The network's `slug`, exactly as `Network.slug` gives it, e.g. `ubc`.")]
        slug: Option<String>,
        #[graphql(desc = "The network's id or its slug: `{ id: … }` or `{ slug: \"ubc\" }`.")]
        by: Option<NetworkBy>,
    ) -> Result<Option<Network>> {
        let found = match Key::of_network(slug, by)? {
            Key::Slug(slug) => by_slug::network(db(ctx)?, &slug).await?,
            Key::Row(Some(row)) => load(ctx, NetworkId(row)).await?,
            Key::Row(None) => None,
        };
        Ok(found.map(Network))
    }
    /// All networks, by default in the order they were recorded.
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
            desc = "How to order the networks; by default, in the order they were recorded."
        )]
        order_by: Option<NetworkOrder>,
    ) -> Result<Conn<Network>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = list_spec(filter, order_by)?;
        pagination::root::<network::Entity, _, _>(ctx, spec, args, Network).await
    }
}
