//! Lists paged in SQL, per parent, in one statement per batch.
//!
//! A nested list such as "the members of each of these 50 networks, 10 after cursor C" becomes
//! one query: the edge rows of all 50 parents are numbered per parent with
//! `ROW_NUMBER() OVER (PARTITION BY parent ORDER BY id)`, only the first `size + 1` of each are
//! kept (the extra row says whether there is a next page), and the target rows are joined in.
//! Cursors are keyset cursors on the edge row's id, so a page costs an index range scan whatever
//! the list's length, and stays valid when rows are added elsewhere.

use std::{collections::HashMap, fmt::Debug, hash::Hash};

use async_graphql::dataloader::Loader;
use entity::{event, event_participant, membership, network, place, twinning};
use sea_orm::{
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait, Func, IntoColumnRef, JoinType, Order, Query,
        SelectStatement, WindowStatement,
    },
    ConnectionTrait, DatabaseConnection, DbErr, EntityName, EntityTrait, FromQueryResult,
    IdenStatic, QueryResult,
};

use super::{AppLoader, LoadError};

/// Which slice of a list to fetch, in terms of edge-row ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    /// Only rows with an id greater than this.
    pub after: Option<i32>,
    /// Only rows with an id less than this.
    pub before: Option<i32>,
    /// How many rows the page shows; one more is fetched to learn whether more exist.
    pub size: u64,
    /// Take the last `size` rows of the range (`last:`) instead of the first (`first:`).
    pub backward: bool,
}

/// One fetched row: the cursor key (edge-row id) and the target model. A page holds up to
/// `size + 1` of them, in the direction of the window.
pub type Rows<M> = Vec<(i32, M)>;

/// Where a list's edges live: `table` rows whose `parent` column names the owner, and whose
/// `target` column names the listed row (the row itself when `target` is `id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EdgeSpec {
    pub table: &'static str,
    pub parent: &'static str,
    pub target: &'static str,
}

/// A list relation whose items are rows of `Target`.
pub trait Relation: Copy + Debug + Eq + Hash + Send + Sync + 'static {
    type Target: EntityTrait<Model: Sync>;
    fn edge(self) -> EdgeSpec;
}

fn edge<E: EntityTrait>(entity: E, parent: E::Column, target: E::Column) -> EdgeSpec {
    EdgeSpec {
        table: entity.table_name(),
        parent: parent.as_str(),
        target: target.as_str(),
    }
}

/// Lists of places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlaceList {
    /// The members of a network.
    MembersOfNetwork,
    /// The places that took part in an event.
    ParticipantsOfEvent,
    /// A place's twins.
    TwinsOfPlace,
}

impl Relation for PlaceList {
    type Target = place::Entity;
    fn edge(self) -> EdgeSpec {
        use {event_participant as ep, membership as m, twinning as t};
        match self {
            Self::MembersOfNetwork => edge(m::Entity, m::Column::NetworkId, m::Column::PlaceId),
            Self::ParticipantsOfEvent => edge(ep::Entity, ep::Column::EventId, ep::Column::PlaceId),
            Self::TwinsOfPlace => edge(t::Entity, t::Column::PlaceId, t::Column::TwinId),
        }
    }
}

/// Lists of networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetworkList {
    /// The networks a place belongs to.
    NetworksOfPlace,
}

impl Relation for NetworkList {
    type Target = network::Entity;
    fn edge(self) -> EdgeSpec {
        use membership as m;
        match self {
            Self::NetworksOfPlace => edge(m::Entity, m::Column::PlaceId, m::Column::NetworkId),
        }
    }
}

/// Lists of memberships.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MembershipList {
    OfPlace,
    OfNetwork,
}

impl Relation for MembershipList {
    type Target = membership::Entity;
    fn edge(self) -> EdgeSpec {
        use membership as m;
        match self {
            Self::OfPlace => edge(m::Entity, m::Column::PlaceId, m::Column::Id),
            Self::OfNetwork => edge(m::Entity, m::Column::NetworkId, m::Column::Id),
        }
    }
}

/// Lists of events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventList {
    HostedByPlace,
    AttendedByPlace,
    OfNetwork,
}

impl Relation for EventList {
    type Target = event::Entity;
    fn edge(self) -> EdgeSpec {
        use {event as e, event_participant as ep};
        match self {
            Self::HostedByPlace => edge(e::Entity, e::Column::HostId, e::Column::Id),
            Self::AttendedByPlace => edge(ep::Entity, ep::Column::PlaceId, ep::Column::EventId),
            Self::OfNetwork => edge(e::Entity, e::Column::NetworkId, e::Column::Id),
        }
    }
}

/// One parent's page of one list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageKey<R> {
    pub relation: R,
    pub parent: i32,
    pub window: Window,
}

/// The number of edges one parent has in one list (`totalCount`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CountKey {
    pub edge: EdgeSpec,
    pub parent: i32,
}

type Model<R> = <<R as Relation>::Target as EntityTrait>::Model;

impl<R: Relation> Loader<PageKey<R>> for AppLoader {
    type Value = Rows<Model<R>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PageKey<R>],
    ) -> Result<HashMap<PageKey<R>, Self::Value>, Self::Error> {
        // Siblings almost always ask for the same window, so this is usually one group.
        let mut groups: HashMap<(R, Window), Vec<i32>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.relation, key.window))
                .or_default()
                .push(key.parent);
        }
        let mut pages: HashMap<PageKey<R>, Self::Value> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        let target_table = R::Target::default().table_name();
        for ((relation, window), parents) in groups {
            let statement = edge_page_query(relation.edge(), target_table, &parents, window);
            for row in self.db.query_all(&statement).await? {
                let parent: i32 = row.try_get("", "__parent")?;
                let (key, model) = parse_row::<Model<R>>(&row)?;
                pages
                    .entry(PageKey {
                        relation,
                        parent,
                        window,
                    })
                    .or_default()
                    .push((key, model));
            }
        }
        Ok(pages)
    }
}

impl Loader<CountKey> for AppLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[CountKey]) -> Result<HashMap<CountKey, u64>, Self::Error> {
        let mut groups: HashMap<EdgeSpec, Vec<i32>> = HashMap::new();
        for key in keys {
            groups.entry(key.edge).or_default().push(key.parent);
        }
        let mut counts: HashMap<CountKey, u64> = keys.iter().map(|key| (*key, 0)).collect();
        for (edge, parents) in groups {
            let statement = Query::select()
                .expr_as(Expr::col((edge.table, edge.parent)), Alias::new("__parent"))
                .expr_as(Expr::col(Asterisk).count(), Alias::new("__count"))
                .from(edge.table)
                .and_where(Expr::col((edge.table, edge.parent)).is_in(parents))
                .group_by_col((edge.table, edge.parent))
                .to_owned();
            for row in self.db.query_all(&statement).await? {
                let parent: i32 = row.try_get("", "__parent")?;
                let count: i64 = row.try_get("", "__count")?;
                counts.insert(CountKey { edge, parent }, u64::try_from(count).unwrap_or(0));
            }
        }
        Ok(counts)
    }
}

/// The first or last `window.size + 1` rows of a whole table (a root list such as `cities`).
pub async fn root_page<E: EntityTrait<Model: Sync>>(
    db: &DatabaseConnection,
    window: Window,
) -> Result<Rows<E::Model>, DbErr> {
    let table = E::default().table_name();
    let mut query = Query::select();
    query
        .column((Alias::new("t"), Asterisk))
        .expr_as(
            Expr::col((Alias::new("t"), Alias::new("id"))),
            Alias::new("__key"),
        )
        .from_as(table, Alias::new("t"))
        .order_by((Alias::new("t"), Alias::new("id")), order_of(window))
        .limit(window.size + 1);
    bound_keys(&mut query, (Alias::new("t"), Alias::new("id")), window);
    db.query_all(&query)
        .await?
        .iter()
        .map(parse_row::<E::Model>)
        .collect()
}

/// The number of rows in a whole table (`totalCount` of a root list).
pub async fn root_count<E: EntityTrait<Model: Sync>>(
    db: &DatabaseConnection,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    E::find().count(db).await
}

fn edge_page_query(
    edge: EdgeSpec,
    target_table: &'static str,
    parents: &[i32],
    window: Window,
) -> SelectStatement {
    let (e, w, t) = (edge.table, Alias::new("w"), Alias::new("t"));
    let numbering = WindowStatement::partition_by((e, edge.parent))
        .order_by((e, Alias::new("id")), order_of(window))
        .to_owned();
    let mut numbered = Query::select();
    numbered
        .expr_as(Expr::col((e, edge.parent)), Alias::new("__parent"))
        .expr_as(Expr::col((e, Alias::new("id"))), Alias::new("__key"))
        .expr_as(Expr::col((e, edge.target)), Alias::new("__target"))
        .expr_window_as(Func::cust("ROW_NUMBER"), numbering, Alias::new("__rn"))
        .from(e)
        .and_where(Expr::col((e, edge.parent)).is_in(parents.iter().copied()));
    bound_keys(&mut numbered, (e, Alias::new("id")), window);

    Query::select()
        .column((t.clone(), Asterisk))
        .column((w.clone(), Alias::new("__parent")))
        .column((w.clone(), Alias::new("__key")))
        .from_subquery(numbered, w.clone())
        .join_as(
            JoinType::InnerJoin,
            target_table,
            t.clone(),
            Expr::col((t, Alias::new("id"))).equals((w.clone(), Alias::new("__target"))),
        )
        .and_where(Expr::col((w.clone(), Alias::new("__rn"))).lte(page_fetch_size(window)))
        .order_by((w.clone(), Alias::new("__parent")), Order::Asc)
        .order_by((w, Alias::new("__rn")), Order::Asc)
        .to_owned()
}

fn bound_keys(query: &mut SelectStatement, key: impl IntoColumnRef + Clone, window: Window) {
    if let Some(after) = window.after {
        query.and_where(Expr::col(key.clone()).gt(after));
    }
    if let Some(before) = window.before {
        query.and_where(Expr::col(key).lt(before));
    }
}

fn order_of(window: Window) -> Order {
    if window.backward {
        Order::Desc
    } else {
        Order::Asc
    }
}

fn page_fetch_size(window: Window) -> i64 {
    i64::try_from(window.size).unwrap_or(i64::MAX - 1) + 1
}

fn parse_row<M: FromQueryResult>(row: &QueryResult) -> Result<(i32, M), DbErr> {
    Ok((row.try_get("", "__key")?, M::from_query_result(row, "")?))
}
