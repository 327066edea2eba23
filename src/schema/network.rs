//! `Network`: an inter-city network and its memberships, members and events.

use async_graphql::{Context, Object, Result, ID};
use entity::network;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{
    city::{source_of, to_i32, PlaceKind},
    db,
    filters::{
        CityFilter, CityOrder, CitySpec, EventFilter, EventOrder, EventSpec, MembershipFilter,
        MembershipOrder, MembershipSpec, NetworkFilter, NetworkOrder, NetworkSpec,
    },
    graph::{CountryCount, KindCount},
    ids::{self, NodeType},
    load,
    pagination::{self, Conn, PageArgs},
    source::Source,
    City, Event, Membership,
};
use crate::{
    error::AppError,
    loaders::{
        by_id::PlaceId,
        graph::{MemberCountsBy, PlaceAttribute},
        page::{EventList, MembershipList, PlaceList},
        topics::TopicsOf,
    },
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

#[Object]
impl Network {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Network, self.0.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Short lowercase tags for what the network works on, e.g. climate, peace, crisis management.
    async fn topics(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(load(ctx, TopicsOf(self.0.id)).await?.unwrap_or_default())
    }
    async fn founded_year(&self) -> Option<i32> {
        self.0.founded_year
    }
    async fn founded_in(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        match self.0.founded_in_id {
            Some(id) => Ok(load(ctx, PlaceId(id)).await?.map(City)),
            None => Ok(None),
        }
    }
    /// The member count a source states ('about 100' -> 100), null where none is stated.
    async fn reported_member_count(&self) -> Option<i32> {
        self.0.reported_member_count
    }
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
            MembershipList::OfNetwork,
            self.0.id,
            spec,
            args,
            Membership,
        )
        .await
    }
    /// The places that are members, in the order their memberships were recorded.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn members(
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
            PlaceList::MembersOfNetwork,
            self.0.id,
            spec,
            args,
            City,
        )
        .await
    }
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
        pagination::related(ctx, EventList::OfNetwork, self.0.id, spec, args, Event).await
    }
    /// The members counted per country, most first.
    async fn member_count_by_country(&self, ctx: &Context<'_>) -> Result<Vec<CountryCount>> {
        let counts = member_counts(ctx, self.0.id, PlaceAttribute::CountryCode).await?;
        Ok(counts
            .into_iter()
            .map(|(country_code, count)| CountryCount {
                country_code,
                count: to_i32(count),
            })
            .collect())
    }
    /// The members counted per kind (cities, regions), most first.
    async fn member_count_by_kind(&self, ctx: &Context<'_>) -> Result<Vec<KindCount>> {
        let counts = member_counts(ctx, self.0.id, PlaceAttribute::Kind).await?;
        Ok(counts
            .into_iter()
            .filter_map(|(kind, count)| {
                let kind = match kind.as_deref() {
                    Some("city") => PlaceKind::City,
                    Some("region") => PlaceKind::Region,
                    _ => return None,
                };
                Some(KindCount {
                    kind,
                    count: to_i32(count),
                })
            })
            .collect())
    }
    /// The document this network was taken from.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

#[derive(Default)]
pub struct NetworkQuery;

#[Object]
impl NetworkQuery {
    /// A network by slug, or null when there is none.
    async fn network(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Network>> {
        let found = network::Entity::find()
            .filter(network::Column::Slug.eq(slug))
            .one(db(ctx)?)
            .await
            .map_err(AppError::from)?;
        Ok(found.map(Network))
    }
    /// All networks.
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
        pagination::root::<network::Entity, _, _>(ctx, spec, args, Network).await
    }
}
