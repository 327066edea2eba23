//! The `Node` interface and `node(id:)` / `nodes(ids:)`: any object by its global id.

use async_graphql::{Context, Interface, Object, Result, ID};

use super::{
    graph::{self, Partner},
    ids::{self, NodeType},
    load, pagination, City, Event, Membership, Network,
};
use crate::{
    error::AppError,
    loaders::by_id::{EventId, MembershipId, NetworkId, PlaceId},
};

/// An object with a global id, which `node(id:)` and `nodes(ids:)` fetch (the Relay object
/// identification convention).
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The object's global id: an opaque string, unique across all types."
))]
pub enum Node {
    City(City),
    Network(Network),
    Membership(Membership),
    Event(Event),
    Partner(Partner),
}

/// The most ids one `nodes` call may ask for.
pub(super) const MAX_NODES: usize = 100;

async fn fetch(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
    if let Some((place, partner)) = ids::decode_pair(id) {
        return Ok(graph::partner_of(ctx, place, partner)
            .await?
            .map(Node::Partner));
    }
    let (node_type, row) = ids::decode(id)?;
    Ok(match node_type {
        NodeType::City => load(ctx, PlaceId(row)).await?.map(|m| Node::City(City(m))),
        NodeType::Network => load(ctx, NetworkId(row))
            .await?
            .map(|m| Node::Network(Network(m))),
        NodeType::Membership => load(ctx, MembershipId(row))
            .await?
            .map(|m| Node::Membership(Membership(m))),
        NodeType::Event => load(ctx, EventId(row))
            .await?
            .map(|m| Node::Event(Event(m))),
    })
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches an object by its global id; null when it does not exist (any more).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A global id, as an `id` field returned it; one this server did not \
            issue is an `INVALID_ID` error."
        )]
        id: ID,
    ) -> Result<Option<Node>> {
        fetch(ctx, &id).await
    }
    /// Fetches objects by their global ids, in the order given, with null where one does not
    /// exist.
    #[graphql(
        complexity = "pagination::list_cost(Some(ids.len().min(1_000_000) as i32), None, child_complexity)"
    )]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global ids, at most 100 (`BAD_USER_INPUT` otherwise); one this server \
            did not issue is an `INVALID_ID` error for the whole field."
        )]
        ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(AppError::BadUserInput(format!(
                "`ids` may hold at most {MAX_NODES} ids, got {}.",
                ids.len()
            ))
            .into());
        }
        let lookups = ids.iter().map(|id| fetch(ctx, id));
        futures_util::future::try_join_all(lookups).await
    }
}
