//! Lists paged in SQL, per parent, in one statement per batch.
//!
//! A nested list such as "the members of each of these 50 networks, 10 after cursor C" becomes
//! one query: the parents are a `VALUES` list, and for each parent a correlated subquery (a
//! `LATERAL` join on PostgreSQL) takes the parent's filtered edge rows in the list's order with
//! `LIMIT size + 1` (an index range scan however many children the parent has; the extra row
//! says whether there is a next page); the target rows are joined in. `totalCount` is one
//! grouped `COUNT(*)` for all parents.
//!
//! Cursors are keyset cursors: the sort value and the edge row's id. A page costs an index range
//! scan whatever the list's length, and stays valid when rows are added elsewhere. NULL sort
//! values come last in both directions; ties are broken by ascending id.

use std::{collections::HashMap, fmt::Debug, hash::Hash};

use async_graphql::dataloader::Loader;
use entity::{event, event_participant, membership, network, place, twinning};
use sea_orm::{
    sea_query::{
        Alias, Asterisk, Condition, Expr, ExprTrait, JoinType, Order, Query, SelectStatement,
    },
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityName, EntityTrait,
    FromQueryResult, IdenStatic, QueryResult, Value,
};
use serde::{Deserialize, Serialize};

use super::{group_by, grouped_counts, AppLoader, LoadError};

/// The alias of the listed table in every list query; [`ListSpec`] conditions refer to it.
pub const T: &str = "t";

/// The column a list is sorted by before the id tie-break.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sort {
    /// A column of the listed table.
    pub column: &'static str,
    pub kind: SortType,
    pub descending: bool,
}

/// The SQL type of a sort column, to read its values back for cursors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortType {
    Int,
    Float,
    Text,
}

/// What to list and in what order. The schema layer implements it for its filter and ordering
/// inputs; it must be `Hash + Eq` so that identical lists share a batch.
pub trait ListSpec: Clone + Debug + Eq + Hash + Send + Sync + 'static {
    /// A condition over the listed rows (table alias [`T`]); `None` lists everything.
    fn condition(&self) -> Option<Condition>;
    /// The sort column; `None` keeps the order in which rows were recorded (by id).
    fn sort(&self) -> Option<Sort>;
}

/// A sort value as cursors carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    #[default]
    Null,
    Int(i64),
    Float(F64),
    Text(String),
}

/// An `f64` that can be hashed (by its bits), for sort values of float columns.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct F64(pub f64);

impl Eq for F64 {}

impl Hash for F64 {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state)
    }
}

impl SortValue {
    /// True when this value can be a value of a column of `kind`.
    pub fn fits(&self, kind: SortType) -> bool {
        matches!(
            (self, kind),
            (SortValue::Null, _)
                | (SortValue::Int(_), SortType::Int)
                | (SortValue::Float(_), SortType::Float)
                | (SortValue::Text(_), SortType::Text)
        )
    }

    fn to_sql(&self) -> Option<Value> {
        match self {
            SortValue::Null => None,
            SortValue::Int(v) => Some((*v).into()),
            SortValue::Float(v) => Some(v.0.into()),
            SortValue::Text(v) => Some(v.clone().into()),
        }
    }
}

/// A row's place in its list: its sort value (when sorted) and its key (the edge row's id).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Position {
    pub value: SortValue,
    pub key: i32,
}

/// Which slice of a list to fetch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    /// Only rows after this one.
    pub after: Option<Position>,
    /// Only rows before this one.
    pub before: Option<Position>,
    /// How many rows the page shows; one more is fetched to learn whether more exist.
    pub size: u64,
    /// Take the last `size` rows of the range (`last:`) instead of the first (`first:`).
    pub backward: bool,
}

/// One fetched row with its position in the list.
#[derive(Clone, Debug)]
pub struct Row<M> {
    pub position: Position,
    pub model: M,
}

/// A page holds up to `size + 1` rows, in the direction of the window.
pub type Rows<M> = Vec<Row<M>>;

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageKey<R, S> {
    pub relation: R,
    pub parent: i32,
    pub spec: S,
    pub window: Window,
}

/// The number of items one parent has in one (filtered) list: `totalCount`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountKey<R, S> {
    pub relation: R,
    pub parent: i32,
    pub spec: S,
}

/// Keys hash by relation and parent only: siblings' keys differ only there, and hashing the
/// spec and window (strings, cursors) of every key of a nested page was 6 % of a nested
/// query's instructions. Equal keys still hash equally.
impl<R: Hash, S> Hash for PageKey<R, S> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.relation.hash(state);
        self.parent.hash(state);
    }
}

impl<R: Hash, S> Hash for CountKey<R, S> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.relation.hash(state);
        self.parent.hash(state);
    }
}

type Model<R> = <<R as Relation>::Target as EntityTrait>::Model;

impl<R: Relation, S: ListSpec> Loader<PageKey<R, S>> for AppLoader {
    type Value = Rows<Model<R>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PageKey<R, S>],
    ) -> Result<HashMap<PageKey<R, S>, Self::Value>, Self::Error> {
        // Siblings almost always ask for the same list and window: usually one group.
        let groups = group_by(
            keys.iter()
                .map(|key| ((key.relation, &key.spec, &key.window), key.parent)),
        );
        let mut pages: HashMap<PageKey<R, S>, Self::Value> =
            keys.iter().map(|key| (key.clone(), Vec::new())).collect();
        let target = R::Target::default().table_name();
        let backend = self.db.get_database_backend();
        for ((relation, spec, window), parents) in groups {
            for chunk in parents.chunks(PARENTS_PER_STATEMENT) {
                let statement =
                    edge_page_query(backend, relation.edge(), target, chunk, spec, window);
                for row in self.db.query_all(&statement).await? {
                    let parent: i32 = row.try_get("", "__parent")?;
                    let key = PageKey {
                        relation,
                        parent,
                        spec: spec.clone(),
                        window: window.clone(),
                    };
                    pages
                        .entry(key)
                        .or_default()
                        .push(parse_row(&row, spec.sort())?);
                }
            }
        }
        Ok(pages)
    }
}

impl<R: Relation, S: ListSpec> Loader<CountKey<R, S>> for AppLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CountKey<R, S>],
    ) -> Result<HashMap<CountKey<R, S>, u64>, Self::Error> {
        let groups = group_by(
            keys.iter()
                .map(|key| ((key.relation, &key.spec), key.parent)),
        );
        let mut counts: HashMap<CountKey<R, S>, u64> =
            keys.iter().map(|key| (key.clone(), 0)).collect();
        let target = R::Target::default().table_name();
        for ((relation, spec), parents) in groups {
            let edge = relation.edge();
            let mut statement = Query::select();
            statement
                .expr_as(
                    Expr::col((Alias::new("e"), edge.parent)),
                    Alias::new("__parent"),
                )
                .expr_as(Expr::col(Asterisk).count(), Alias::new("__count"))
                .from_as(edge.table, Alias::new("e"));
            join_target(&mut statement, edge, target);
            statement
                .and_where(Expr::col((Alias::new("e"), edge.parent)).is_in(parents))
                .group_by_col((Alias::new("e"), edge.parent));
            if let Some(condition) = spec.condition() {
                statement.cond_where(condition);
            }
            for (parent, count) in
                grouped_counts(&self.db, &statement, "__parent", "__count").await?
            {
                let key = CountKey {
                    relation,
                    parent,
                    spec: spec.clone(),
                };
                counts.insert(key, count);
            }
        }
        Ok(counts)
    }
}

/// The first or last `window.size + 1` rows of a whole (filtered) table, e.g. `cities`.
pub async fn root_page<E: EntityTrait<Model: Sync>, S: ListSpec>(
    db: &DatabaseConnection,
    spec: &S,
    window: &Window,
) -> Result<Rows<E::Model>, DbErr> {
    let t = Alias::new(T);
    let sort = spec.sort();
    let mut query = Query::select();
    query
        .column((t.clone(), Asterisk))
        .expr_as(
            Expr::col((t.clone(), Alias::new("id"))),
            Alias::new("__key"),
        )
        .expr_as(sort_expr(sort), Alias::new("__sort"))
        .from_as(E::default().table_name(), t.clone())
        .limit(window.size + 1);
    for (expr, order) in ordering(
        sort_column(sort),
        Expr::col((t, Alias::new("id"))),
        window.backward,
    ) {
        query.order_by_expr(expr, order);
    }
    filter(
        &mut query,
        spec,
        window,
        Expr::col((Alias::new(T), Alias::new("id"))),
    );
    db.query_all(&query)
        .await?
        .iter()
        .map(|row| parse_row(row, sort))
        .collect()
}

/// The number of rows of a whole (filtered) table: `totalCount` of a root list.
pub async fn root_count<E: EntityTrait, S: ListSpec>(
    db: &DatabaseConnection,
    spec: &S,
) -> Result<u64, DbErr> {
    let mut query = Query::select();
    query
        .expr_as(Expr::col(Asterisk).count(), Alias::new("__count"))
        .from_as(E::default().table_name(), Alias::new(T));
    if let Some(condition) = spec.condition() {
        query.cond_where(condition);
    }
    let count: i64 = match db.query_one(&query).await? {
        Some(row) => row.try_get("", "__count")?,
        None => 0,
    };
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Parents per statement (each is one bound value of the `VALUES` list).
const PARENTS_PER_STATEMENT: usize = 1_000;

/// The alias of the parents' `VALUES` list; its one column is `column1` on both backends.
const PARENTS: &str = "p";
const PARENT_ID: &str = "column1";

/// The page of every parent in `parents`, in one statement whose text depends only on the
/// list, the window and the number of parents (so the prepared statement is reused):
///
/// - SQLite: for each parent of a `VALUES` list, the edge rows whose id is `IN` a correlated
///   subquery taking the parent's first `size + 1` edge ids in the window's order (an index
///   range scan however many children the parent has), then their target rows by primary key.
/// - PostgreSQL: the same subquery as a `LATERAL` join (PostgreSQL would evaluate a correlated
///   `IN` once per candidate row rather than once per parent).
///
/// Rows come back by parent, each parent's in the window's order.
fn edge_page_query<S: ListSpec>(
    backend: DbBackend,
    edge: EdgeSpec,
    target: &'static str,
    parents: &[i32],
    spec: &S,
    window: &Window,
) -> SelectStatement {
    let parent_id = Expr::col((Alias::new(PARENTS), Alias::new(PARENT_ID)));
    let mut query = Query::select();
    query.from_values(parents.iter().copied(), Alias::new(PARENTS));
    let sort = spec.sort();
    if backend == DbBackend::Postgres {
        let w = Alias::new("w");
        query
            .column((Alias::new("l"), Asterisk))
            .column((w.clone(), Alias::new("__parent")))
            .column((w.clone(), Alias::new("__key")))
            .column((w.clone(), Alias::new("__sort")))
            .join_lateral(
                JoinType::InnerJoin,
                window_rows(edge, target, spec, window, parent_id, true),
                w.clone(),
                Expr::cust("TRUE"),
            )
            .join_as(
                JoinType::InnerJoin,
                target,
                Alias::new("l"),
                Expr::col((Alias::new("l"), Alias::new("id")))
                    .equals((w.clone(), Alias::new("__target"))),
            )
            .order_by((w.clone(), Alias::new("__parent")), Order::Asc);
        let sorted_by = sort.map(|sort| {
            (
                Expr::col((w.clone(), Alias::new("__sort"))),
                sort.descending,
            )
        });
        for (expr, order) in ordering(
            sorted_by,
            Expr::col((w, Alias::new("__key"))),
            window.backward,
        ) {
            query.order_by_expr(expr, order);
        }
        return query;
    }
    let (e, t) = (Alias::new("e"), Alias::new(T));
    let key = Expr::col((e.clone(), Alias::new("id")));
    query
        .column((t.clone(), Asterisk))
        .expr_as(parent_id.clone(), Alias::new("__parent"))
        .expr_as(key.clone(), Alias::new("__key"))
        .expr_as(sort_expr(sort), Alias::new("__sort"))
        .join_as(
            JoinType::InnerJoin,
            edge.table,
            e.clone(),
            key.clone().in_subquery(window_rows(
                edge,
                target,
                spec,
                window,
                parent_id.clone(),
                false,
            )),
        );
    join_target(&mut query, edge, target);
    query.order_by_expr(parent_id, Order::Asc);
    for (expr, order) in ordering(sort_column(sort), key, window.backward) {
        query.order_by_expr(expr, order);
    }
    query
}

/// The `size + 1` edge rows of the parent `parent_id` in the window's order: their ids only, or
/// (`described`) with the parent, key, target and sort value.
fn window_rows<S: ListSpec>(
    edge: EdgeSpec,
    target: &'static str,
    spec: &S,
    window: &Window,
    parent_id: Expr,
    described: bool,
) -> SelectStatement {
    let (e, t) = (Alias::new("e"), Alias::new(T));
    let sort = spec.sort();
    let key = Expr::col((e.clone(), Alias::new("id")));
    let mut rows = Query::select();
    if described {
        rows.expr_as(Expr::col((e.clone(), edge.parent)), Alias::new("__parent"))
            .expr_as(key.clone(), Alias::new("__key"))
            .expr_as(Expr::col((t, Alias::new("id"))), Alias::new("__target"))
            .expr_as(sort_expr(sort), Alias::new("__sort"));
    } else {
        rows.expr(key.clone());
    }
    rows.from_as(edge.table, e.clone());
    join_target(&mut rows, edge, target);
    rows.and_where(Expr::col((e, edge.parent)).eq(parent_id));
    filter(&mut rows, spec, window, key.clone());
    for (expr, order) in ordering(sort_column(sort), key, window.backward) {
        rows.order_by_expr(expr, order);
    }
    rows.limit(window.size + 1);
    rows
}

/// Joins the listed table as `t` to the edge table `e`.
fn join_target(query: &mut SelectStatement, edge: EdgeSpec, target: &'static str) {
    query.join_as(
        JoinType::InnerJoin,
        target,
        Alias::new(T),
        Expr::col((Alias::new(T), Alias::new("id"))).equals((Alias::new("e"), edge.target)),
    );
}

/// Applies the spec's condition and the window's cursors.
fn filter<S: ListSpec>(query: &mut SelectStatement, spec: &S, window: &Window, key: Expr) {
    if let Some(condition) = spec.condition() {
        query.cond_where(condition);
    }
    let sort = spec.sort();
    if let Some(after) = &window.after {
        query.cond_where(beyond(sort, key.clone(), after, true));
    }
    if let Some(before) = &window.before {
        query.cond_where(beyond(sort, key, before, false));
    }
}

/// `ORDER BY` of the list in the window's direction: NULL sort values last (in forward order),
/// ties by id. `sorted_by` is the sort column and whether it is descending, if the list is
/// sorted by a column.
fn ordering(sorted_by: Option<(Expr, bool)>, key: Expr, backward: bool) -> Vec<(Expr, Order)> {
    let flip = |ascending: bool| {
        if ascending != backward {
            Order::Asc
        } else {
            Order::Desc
        }
    };
    let mut orders = Vec::new();
    if let Some((column, descending)) = sorted_by {
        orders.push((column.clone().is_null(), flip(true)));
        orders.push((column, flip(!descending)));
    }
    orders.push((key, flip(true)));
    orders
}

/// The sort column of the listed table (alias [`T`]) and its direction.
fn sort_column(sort: Option<Sort>) -> Option<(Expr, bool)> {
    sort.map(|sort| {
        (
            Expr::col((Alias::new(T), Alias::new(sort.column))),
            sort.descending,
        )
    })
}

/// Rows strictly after (`after = true`) or before `position` in the list's forward order.
fn beyond(sort: Option<Sort>, key: Expr, position: &Position, after: bool) -> Condition {
    let key_beyond = if after {
        key.clone().gt(position.key)
    } else {
        key.clone().lt(position.key)
    };
    let Some(sort) = sort else {
        return Condition::all().add(key_beyond);
    };
    let column = Expr::col((Alias::new(T), Alias::new(sort.column)));
    match position.value.to_sql() {
        Some(value) => {
            // Forward order: non-NULL values by `sort`, then NULLs.
            let value_beyond = if after != sort.descending {
                column.clone().gt(value.clone())
            } else {
                column.clone().lt(value.clone())
            };
            let mut condition = Condition::any()
                .add(
                    Condition::all()
                        .add(column.clone().is_not_null())
                        .add(value_beyond),
                )
                .add(
                    Condition::all()
                        .add(column.clone().eq(value))
                        .add(key_beyond),
                );
            if after {
                condition = condition.add(column.is_null());
            }
            condition
        }
        None if after => Condition::all().add(column.is_null()).add(key_beyond),
        None => Condition::any()
            .add(column.clone().is_not_null())
            .add(Condition::all().add(column.is_null()).add(key_beyond)),
    }
}

fn sort_expr(sort: Option<Sort>) -> Expr {
    match sort {
        Some(sort) => Expr::col((Alias::new(T), Alias::new(sort.column))),
        None => Expr::value(Value::Int(None)),
    }
}

fn parse_row<M: FromQueryResult>(row: &QueryResult, sort: Option<Sort>) -> Result<Row<M>, DbErr> {
    let value = match sort.map(|s| s.kind) {
        None => SortValue::Null,
        Some(SortType::Int) => row
            .try_get::<Option<i32>>("", "__sort")?
            .map_or(SortValue::Null, |v| SortValue::Int(v.into())),
        Some(SortType::Float) => row
            .try_get::<Option<f64>>("", "__sort")?
            .map_or(SortValue::Null, |v| SortValue::Float(F64(v))),
        Some(SortType::Text) => row
            .try_get::<Option<String>>("", "__sort")?
            .map_or(SortValue::Null, SortValue::Text),
    };
    Ok(Row {
        position: Position {
            value,
            key: row.try_get("", "__key")?,
        },
        model: M::from_query_result(row, "")?,
    })
}
