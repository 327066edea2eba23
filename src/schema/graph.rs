//! Graph questions: partners of a place, the networks two places share, the shortest chain of
//! shared networks between two places, and aggregates.

use async_graphql::{Context, Object, Result, SimpleObject, ID};
use entity::place;

use super::{
    db,
    enums::PlaceKind,
    filters::{list_spec, NetworkFilter, NetworkOrder},
    ids, load, load_all_required, load_required,
    pagination::{self, Conn, Counter, PageArgs, TotalCount},
    saturating_i32, City, Network,
};
use crate::{
    error::AppError,
    loaders::{
        by_id::{NetworkId, PlaceId},
        by_slug,
        graph::{PartnerCountOf, PartnersOf, SharedNetworks},
        page::{Sort, SortType},
        path,
    },
};

/// What `City.partners` adds to the query cost, on top of its page: finding partners joins every
/// membership of every network the place belongs to with each other (a hub place's partners
/// cross tens of thousands of memberships), whatever the page size. Ten thousand makes a page
/// of partners nested in a 100-item list (a hundred such joins) exceed the default cost limit.
pub const PARTNERS_COST: usize = 10_000;

/// Partners are ordered by the number of shared networks, most first.
const PARTNER_SORT: Sort = Sort {
    column: "shared",
    kind: SortType::Int,
    descending: true,
};

/// A place that shares at least one network with another place.
pub struct Partner {
    place: i32,
    partner: i32,
    shared: i64,
}

/// A place seen as the partner of another: the two share at least one network. Its `id` names
/// the pair, so a normalised cache keeps one record per pair.
#[Object]
impl Partner {
    /// The pair's global id (this place as the partner of the place whose `partners` listed
    /// it); `node(id:)` fetches it again while the two still share a network.
    pub async fn id(&self) -> ID {
        ids::encode_pair(self.place, self.partner)
    }
    /// The partner place.
    async fn city(&self, ctx: &Context<'_>) -> Result<City> {
        Ok(City(load_required(ctx, PlaceId(self.partner)).await?))
    }
    /// How many networks the two places share.
    async fn shared_network_count(&self) -> i32 {
        saturating_i32(self.shared)
    }
    /// The networks the two places share, in the order the memberships were recorded.
    async fn shared_networks(&self, ctx: &Context<'_>) -> Result<Vec<Network>> {
        shared_networks(ctx, self.place, self.partner).await
    }
}

/// `partner` as the partner of `place`, or `None` when they share no network (or are the same).
pub async fn partner_of(ctx: &Context<'_>, place: i32, partner: i32) -> Result<Option<Partner>> {
    if place == partner {
        return Ok(None);
    }
    let shared = load(
        ctx,
        SharedNetworks {
            a: place,
            b: partner,
        },
    )
    .await?
    .map_or(0, |networks| networks.len());
    Ok((shared > 0).then(|| Partner {
        place,
        partner,
        shared: i64::try_from(shared).unwrap_or(i64::MAX),
    }))
}

async fn shared_networks(ctx: &Context<'_>, a: i32, b: i32) -> Result<Vec<Network>> {
    let ids = load(ctx, SharedNetworks { a, b })
        .await?
        .unwrap_or_default();
    let networks = load_all_required(ctx, ids.into_iter().map(NetworkId).collect()).await?;
    Ok(networks.into_iter().map(Network).collect())
}

/// `City.partners`: a page of the places sharing networks with `place`.
pub async fn partners(ctx: &Context<'_>, place: i32, args: PageArgs) -> Result<Conn<Partner>> {
    let window = args.window("partners", Some(PARTNER_SORT))?;
    // `first: 0` (asking only for `totalCount`) needs no page, and a page costs the whole join.
    let rows = if window.size == 0 {
        Vec::new()
    } else {
        load(
            ctx,
            PartnersOf {
                place,
                window: window.clone(),
            },
        )
        .await?
        .unwrap_or_default()
    };
    let total = TotalCount::new(PartnerCountOf(place));
    Ok(pagination::connection(
        "partners",
        Some(PARTNER_SORT),
        &window,
        rows,
        total,
        |row| Partner {
            place,
            partner: row.partner,
            shared: row.shared,
        },
    ))
}

impl Counter for PartnerCountOf {
    fn count<'a>(
        &'a self,
        ctx: &'a Context<'_>,
    ) -> async_graphql::futures_util::future::BoxFuture<'a, Result<u64>> {
        Box::pin(async move { Ok(load(ctx, *self).await?.unwrap_or(0)) })
    }
}

/// A number of members sharing a country.
#[derive(SimpleObject)]
pub struct CountryCount {
    /// ISO 3166-1 alpha-2; null for members without a country.
    pub country_code: Option<String>,
    /// How many members have this country.
    pub count: i32,
}

/// A number of members of one kind.
#[derive(SimpleObject)]
pub struct KindCount {
    /// Cities or regions.
    pub kind: PlaceKind,
    /// How many members are of this kind.
    pub count: i32,
}

/// One link of a chain: `from` and `to` both belong to `network`.
#[derive(SimpleObject)]
pub struct PathStep {
    /// The place this step starts from.
    pub from: City,
    /// The network both places belong to.
    pub network: Network,
    /// The place this step leads to.
    pub to: City,
}

/// The shortest chain of shared networks linking two places.
#[derive(SimpleObject)]
pub struct Path {
    /// The number of networks crossed (0 when both ends are the same place).
    pub length: i32,
    /// The places along the chain, from the first to the last.
    pub places: Vec<City>,
    /// The networks crossed, one per step.
    pub networks: Vec<Network>,
    /// The chain as steps, each a place, a network and the next place.
    pub steps: Vec<PathStep>,
}

#[derive(Default)]
pub struct GraphQuery;

#[Object]
impl GraphQuery {
    /// The networks that both places (by slug) belong to.
    #[graphql(complexity = "pagination::list_cost(first, last, child_complexity)")]
    async fn shared_networks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The slug of one place (`city(slug:)`).")] a: String,
        #[graphql(desc = "The slug of the other place.")] b: String,
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
        #[graphql(desc = "Only the shared networks that match this filter.")] filter: Option<
            NetworkFilter,
        >,
        #[graphql(
            desc = "How to order the networks; by default, in the order they were recorded."
        )]
        order_by: Option<NetworkOrder>,
    ) -> Result<Conn<Network>> {
        let both = NetworkFilter {
            and: Some(
                [a, b]
                    .into_iter()
                    .map(|slug| NetworkFilter {
                        has_member: Some(slug),
                        ..Default::default()
                    })
                    .chain(filter)
                    .collect(),
            ),
            ..Default::default()
        };
        let spec = list_spec(Some(both), order_by)?;
        let args = PageArgs::new(first, after, last, before);
        pagination::root::<entity::network::Entity, _, _>(ctx, spec, args, Network).await
    }

    /// The shortest chain place → network → place … linking `from` to `to` (slugs), or null when
    /// none of at most 6 networks exists. Unknown slugs are a `NOT_FOUND` error.
    async fn connection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The slug of the place the chain starts from.")] from: String,
        #[graphql(desc = "The slug of the place the chain leads to.")] to: String,
    ) -> Result<Option<Path>> {
        let (start, goal) = (
            place_by_slug(ctx, &from).await?,
            place_by_slug(ctx, &to).await?,
        );
        let chain = path::shortest_chain(db(ctx)?, start.id, goal.id).await?;
        let Some(chain) = chain else {
            return Ok(None);
        };
        let (network_ids, place_ids): (Vec<_>, Vec<_>) = chain
            .into_iter()
            .map(|(network, place)| (NetworkId(network), PlaceId(place)))
            .unzip();
        let (chain_networks, chain_places) = futures_util::try_join!(
            load_all_required(ctx, network_ids),
            load_all_required(ctx, place_ids),
        )?;
        let mut places = vec![City(start)];
        let mut networks = Vec::new();
        let mut steps = Vec::new();
        for (network, place) in chain_networks.into_iter().zip(chain_places) {
            if let Some(City(previous)) = places.last() {
                steps.push(PathStep {
                    from: City(previous.clone()),
                    network: Network(network.clone()),
                    to: City(place.clone()),
                });
            }
            networks.push(Network(network));
            places.push(City(place));
        }
        Ok(Some(Path {
            length: saturating_i32(steps.len()),
            places,
            networks,
            steps,
        }))
    }
}

async fn place_by_slug(ctx: &Context<'_>, slug: &str) -> Result<place::Model> {
    by_slug::place(db(ctx)?, slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No place has the slug {slug:?}.")).into())
}
