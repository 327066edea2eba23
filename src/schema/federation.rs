//! Apollo Federation: Citynet as a subgraph. `City`, `Network`, `Event` and `Membership` are
//! entities keyed by their global `id` (`@key(fields: "id")`), which a router resolves through
//! `_entities`; `_service { sdl }` gives the subgraph's schema with the federation directives.
//! The resolvers here serve only `_entities`: they are not fields of `Query`.

use async_graphql::{Context, Object, Result, ID};

use super::{
    ids::{self, NodeType},
    load, City, Event, Membership, Network,
};
use crate::loaders::by_id::{EventId, MembershipId, NetworkId, PlaceId};

#[derive(Default)]
pub struct FederationQuery;

#[Object]
impl FederationQuery {
    #[graphql(entity)]
    async fn find_city_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<City>> {
        let Some(row) = ids::row_of(&id, NodeType::City)? else {
            return Ok(None);
        };
        Ok(load(ctx, PlaceId(row)).await?.map(City))
    }

    #[graphql(entity)]
    async fn find_network_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Network>> {
        let Some(row) = ids::row_of(&id, NodeType::Network)? else {
            return Ok(None);
        };
        Ok(load(ctx, NetworkId(row)).await?.map(Network))
    }

    #[graphql(entity)]
    async fn find_event_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Event>> {
        let Some(row) = ids::row_of(&id, NodeType::Event)? else {
            return Ok(None);
        };
        Ok(load(ctx, EventId(row)).await?.map(Event))
    }

    #[graphql(entity)]
    async fn find_membership_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Membership>> {
        let Some(row) = ids::row_of(&id, NodeType::Membership)? else {
            return Ok(None);
        };
        Ok(load(ctx, MembershipId(row)).await?.map(Membership))
    }
}
