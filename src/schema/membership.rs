//! `Membership`: a place's membership in a network.

use async_graphql::{Context, Enum, Object, Result, ID};
use entity::membership;

use super::{
    city::source_of,
    ids::{self, NodeType},
    load_required,
    source::Source,
    City, Network,
};
use crate::loaders::by_id::{NetworkId, PlaceId};

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MembershipRole {
    Member,
    /// Joined when the network was founded (Berlin in C40).
    FoundingMember,
    /// Co-founded the network (Rostock in UBC).
    CoFounder,
    /// The network was founded on its initiative (Dunkirk for Memory Cities).
    Initiator,
}

impl From<membership::MembershipRole> for MembershipRole {
    fn from(role: membership::MembershipRole) -> Self {
        use membership::MembershipRole as Db;
        match role {
            Db::Member => Self::Member,
            Db::FoundingMember => Self::FoundingMember,
            Db::CoFounder => Self::CoFounder,
            Db::Initiator => Self::Initiator,
        }
    }
}

impl From<MembershipRole> for membership::MembershipRole {
    fn from(role: MembershipRole) -> Self {
        match role {
            MembershipRole::Member => Self::Member,
            MembershipRole::FoundingMember => Self::FoundingMember,
            MembershipRole::CoFounder => Self::CoFounder,
            MembershipRole::Initiator => Self::Initiator,
        }
    }
}

pub struct Membership(pub membership::Model);

#[Object]
impl Membership {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Membership, self.0.id)
    }
    async fn city(&self, ctx: &Context<'_>) -> Result<City> {
        Ok(City(load_required(ctx, PlaceId(self.0.place_id)).await?))
    }
    async fn network(&self, ctx: &Context<'_>) -> Result<Network> {
        Ok(Network(
            load_required(ctx, NetworkId(self.0.network_id)).await?,
        ))
    }
    async fn role(&self) -> MembershipRole {
        self.0.role.into()
    }
    /// Year the membership began, where a source states it.
    async fn since(&self) -> Option<i32> {
        self.0.since
    }
    /// Who represents the member in the network (Rostock Fire Department).
    async fn represented_by(&self) -> Option<&str> {
        self.0.represented_by.as_deref()
    }
    /// The document that states this membership.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}
