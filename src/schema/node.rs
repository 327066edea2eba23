//! The `Node` interface and `node(id:)` / `nodes(ids:)`: any object by its global id.

use async_graphql::{Context, Interface, Object, Result, ID};

use super::{
    ids::{self, NodeType},
    load, pagination, City, Event, Membership, Network,
};
use crate::{
    error::AppError,
    loaders::by_id::{EventId, MembershipId, NetworkId, PlaceId},
};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    City(City),
    Network(Network),
    Membership(Membership),
    Event(Event),
}

/// The most ids one `nodes` call may ask for.
const MAX_NODES: usize = 100;

async fn fetch(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
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
    /// Fetches an object by its global id; null when it does not exist.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        fetch(ctx, &id).await
    }
    /// Fetches up to 100 objects by global id, in the order given (null where one does not exist).
    #[graphql(
        complexity = "pagination::list_cost(Some(ids.len().min(1_000_000) as i32), None, child_complexity)"
    )]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
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
