//! `Membership`: a place's membership in a network.

use async_graphql::{Context, Object, Result, ID};
use entity::membership;

use super::{
    filters::{list_spec, MembershipFilter, MembershipOrder},
    ids::{self, NodeType},
    load_required,
    pagination::{self, Conn, PageArgs},
    source::{source_of, Source},
    City, Network,
};
use crate::loaders::by_id::{NetworkId, PlaceId};

pub struct Membership(pub membership::Model);

/// A place's membership in a network: who (`city`), where (`network`), in what role and since
/// when. A place belongs to a network at most once.
#[Object]
impl Membership {
    /// The membership's global id, for `node(id:)` and mutations. Opaque: do not parse it.
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Membership, self.0.id)
    }
    /// The member place.
    async fn city(&self, ctx: &Context<'_>) -> Result<City> {
        Ok(City(load_required(ctx, PlaceId(self.0.place_id)).await?))
    }
    /// The network.
    async fn network(&self, ctx: &Context<'_>) -> Result<Network> {
        Ok(Network(
            load_required(ctx, NetworkId(self.0.network_id)).await?,
        ))
    }
    /// The part the member plays in the network.
    async fn role(&self) -> super::enums::MembershipRole {
        self.0.role.into()
    }
    /// The year the membership began; null where a source does not state it.
    async fn since(&self) -> Option<i32> {
        self.0.since
    }
    /// Who represents the member in the network, e.g. "Rostock Fire Department"; null where
    /// none is recorded.
    async fn represented_by(&self) -> Option<&str> {
        self.0.represented_by.as_deref()
    }
    /// What the membership rests on in its source: the sentence stating it (`STATED`), or the
    /// page listing the network among the city's (`LISTED`); null where none is recorded.
    async fn evidence(&self) -> Option<super::statement::Evidence> {
        super::statement::Evidence::of(self.0.evidence_kind, &self.0.evidence_quote)
    }
    /// The source document that states this membership; null where none is recorded (as for
    /// memberships added through the API).
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

#[derive(Default)]
pub struct MembershipQuery;

#[Object]
impl MembershipQuery {
    /// Every membership of every place in every network, by default in the order they were
    /// recorded: the table of who belongs to what, without paging network by network.
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
            desc = "How to order the memberships; by default, in the order they were recorded."
        )]
        order_by: Option<MembershipOrder>,
    ) -> Result<Conn<Membership>> {
        let args = PageArgs::new(first, after, last, before);
        let spec = list_spec(filter, order_by)?;
        pagination::root::<membership::Entity, _, _>(ctx, spec, args, Membership).await
    }
}
