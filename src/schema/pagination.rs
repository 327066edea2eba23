//! Relay connections: argument checks, opaque cursors, and turning a fetched page into
//! async-graphql's `Connection` with `edges`, `nodes`, `pageInfo` and a lazy `totalCount`.
//!
//! Conventions follow GitHub's API: `first`/`last` at most 100, not both at once, and with
//! neither given a list returns its first 100 items.

use std::{borrow::Cow, marker::PhantomData};

use async_graphql::{
    connection::{Connection, CursorType, Edge, EmptyFields, OpaqueCursor},
    futures_util::future::BoxFuture,
    registry::{MetaType, Registry},
    Context, ContextSelectionSet, Object, OutputType, Positioned, Result, ServerResult, Value,
};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};

use super::{db, loader};
use crate::{
    error::{AppError, AppResult},
    loaders::{
        filter::Term,
        page::{
            self, Columns, CountKey, ListSpec, PageKey, Partial, Position, Relation, RootCountKey,
            Rows, Sort, SortValue, Window,
        },
    },
};

/// The most items one page may hold (`first`/`last`).
pub const MAX_PAGE_SIZE: i32 = 100;

/// The complexity of a list field for the query cost limit: its page size (`first` or `last`,
/// 100 when neither is given, as sent: `first: 1000000` costs a million) times the cost of what
/// is selected in each item — the way GitHub counts nodes.
pub fn list_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .map_or(MAX_PAGE_SIZE as usize, |n| usize::try_from(n).unwrap_or(0));
    size.max(1)
        .saturating_mul(child_complexity.max(1))
        .min(COST_CEILING)
}

/// The highest cost one field reports. async-graphql adds the costs of sibling fields without
/// overflow checks, so a field must never report anything near `usize::MAX`; any cost this high
/// is far over every sensible limit anyway.
const COST_CEILING: usize = 1 << 40;

/// What a cursor holds: the list's key space, its ordering, and the row's position in it.
/// Serialized as JSON, then base64 (async-graphql's `OpaqueCursor`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CursorKey {
    #[serde(rename = "l")]
    list: Cow<'static, str>,
    #[serde(rename = "o")]
    order: String,
    #[serde(rename = "v", default, skip_serializing_if = "is_null")]
    value: SortValue,
    #[serde(rename = "k")]
    key: i32,
}

fn is_null(value: &SortValue) -> bool {
    *value == SortValue::Null
}

pub type Cursor = OpaqueCursor<CursorKey>;

/// Every list in the API is one of these: async-graphql's Relay connection (`XConnection` with
/// `edges`, `nodes`, `pageInfo` and `totalCount`), given the type description that
/// async-graphql leaves out.
pub struct Conn<T: OutputType>(Connection<Cursor, T, TotalCount, EmptyFields>);

impl<T: OutputType> OutputType for Conn<T> {
    fn type_name() -> Cow<'static, str> {
        Connection::<Cursor, T, TotalCount, EmptyFields>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        let qualified =
            Connection::<Cursor, T, TotalCount, EmptyFields>::create_type_info(registry);
        if let Some(MetaType::Object { description, .. }) =
            registry.types.get_mut(&*Self::type_name())
        {
            *description = Some(format!(
                "A list of `{}` items, one page at a time (a Relay connection): the page's \
                 `nodes` (or `edges`, each with its cursor), `pageInfo` to fetch the next or \
                 previous page, and the `totalCount` of the whole list.",
                T::type_name()
            ));
        }
        qualified
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<async_graphql::parser::types::Field>,
    ) -> ServerResult<Value> {
        self.0.resolve(ctx, field).await
    }
}

/// The four Relay arguments, as a client sent them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    /// Checks the arguments and turns them into a window over `list` sorted by `sort`.
    pub fn window(&self, list: &str, sort: Option<Sort>) -> AppResult<Window> {
        let size =
            match (self.first, self.last) {
                (Some(_), Some(_)) => return Err(AppError::BadUserInput(
                    "Passing both `first` and `last` to paginate a connection is not supported."
                        .into(),
                )),
                (Some(n), None) => page_size("first", n, MAX_PAGE_SIZE)?,
                (None, Some(n)) => page_size("last", n, MAX_PAGE_SIZE)?,
                (None, None) => MAX_PAGE_SIZE as u64,
            };
        let position = |argument: &str, cursor: &Option<String>| {
            cursor
                .as_deref()
                .map(|c| decode_cursor(argument, c, list, sort))
                .transpose()
        };
        Ok(Window {
            after: position("after", &self.after)?,
            before: position("before", &self.before)?,
            size,
            backward: self.last.is_some(),
        })
    }
}

/// The page size `argument` asks for, checked to be from 0 to `max`: the one check of every
/// page size (lists, `search`).
pub fn page_size(argument: &str, n: i32, max: i32) -> AppResult<u64> {
    match u64::try_from(n) {
        Ok(size) if n <= max => Ok(size),
        _ => Err(AppError::BadUserInput(format!(
            "`{argument}` must be between 0 and {max}, got {n}."
        ))),
    }
}

/// A stable name for an ordering, stored in cursors so that a cursor is only used with the
/// ordering that issued it.
fn order_name(sort: Option<Sort>) -> String {
    match sort {
        None => "id".into(),
        Some(sort) => format!(
            "{}:{}",
            sort.column,
            if sort.descending { "desc" } else { "asc" }
        ),
    }
}

fn decode_cursor(
    argument: &str,
    cursor: &str,
    list: &str,
    sort: Option<Sort>,
) -> AppResult<Position> {
    let invalid = |why: &str| AppError::InvalidCursor(format!("`{argument}` {why}: {cursor:?}"));
    let OpaqueCursor(key) =
        Cursor::decode_cursor(cursor).map_err(|_| invalid("is not a cursor"))?;
    if key.list != list {
        return Err(invalid("is a cursor of another list"));
    }
    if key.order != order_name(sort) || !sort.is_none_or(|s| key.value.fits(s.kind)) {
        return Err(invalid("was issued for another ordering of this list"));
    }
    Ok(Position {
        value: key.value,
        key: key.key,
    })
}

/// A fetched window cut to its page: the rows in list order, and whether rows exist before and
/// after it. The one reading of a fetched window, for the resolvers and the planned path alike.
pub struct Page<M> {
    pub rows: Rows<M>,
    pub has_previous: bool,
    pub has_next: bool,
}

/// Cuts rows fetched for `window` (up to `size + 1`, in the window's direction) to the page.
pub fn cut<M>(window: &Window, mut rows: Rows<M>) -> Page<M> {
    let has_more = rows.len() as u64 > window.size;
    rows.truncate(window.size as usize);
    if window.backward {
        rows.reverse();
    }
    // A cursor names an existing row, so there is something on its far side.
    let (has_previous, has_next) = if window.backward {
        (has_more, window.before.is_some())
    } else {
        (window.after.is_some(), has_more)
    };
    Page {
        rows,
        has_previous,
        has_next,
    }
}

/// The cursors of one list in one ordering.
pub struct Cursors {
    list: &'static str,
    order: String,
}

impl Cursors {
    pub fn new(list: &'static str, sort: Option<Sort>) -> Self {
        Self {
            list,
            order: order_name(sort),
        }
    }

    fn key(&self, position: Position) -> Cursor {
        OpaqueCursor(CursorKey {
            list: Cow::Borrowed(self.list),
            order: self.order.clone(),
            value: position.value,
            key: position.key,
        })
    }

    /// The cursor of the row at `position`, as a client sees it.
    pub fn encode(&self, position: &Position) -> String {
        self.key(position.clone()).encode_cursor()
    }
}

/// Builds the connection from rows fetched for `window` (up to `size + 1`, in the window's
/// direction).
pub fn connection<M, T: OutputType>(
    list: &'static str,
    sort: Option<Sort>,
    window: &Window,
    rows: Rows<M>,
    total: TotalCount,
    to_node: impl Fn(M) -> T,
) -> Conn<T> {
    let page = cut(window, rows);
    let cursors = Cursors::new(list, sort);
    let mut conn = Connection::with_additional_fields(page.has_previous, page.has_next, total);
    conn.edges.extend(
        page.rows
            .into_iter()
            .map(|row| Edge::new(cursors.key(row.position), to_node(row.model))),
    );
    Conn(conn)
}

/// A page of the list `relation` of `parent`, filtered and ordered by `spec`, batched with its
/// siblings.
pub async fn related<R: Relation, F: Term, T: OutputType>(
    ctx: &Context<'_>,
    relation: R,
    parent: i32,
    spec: ListSpec<F>,
    args: PageArgs,
    to_node: impl Fn(<R::Target as EntityTrait>::Model) -> T,
) -> Result<Conn<T>> {
    let list = relation.edge().table;
    let sort = spec.sort();
    let window = args.window(list, sort)?;
    let rows = loader(ctx)?
        .load_one(PageKey {
            relation,
            parent,
            spec: spec.clone(),
            window: window.clone(),
            columns: Columns::ALL,
        })
        .await?
        .unwrap_or_default();
    let total = TotalCount(Box::new(CountKey {
        relation,
        parent,
        spec,
    }));
    Ok(connection(list, sort, &window, rows, total, to_node))
}

/// A page of a whole table, filtered and ordered by `spec`.
pub async fn root<E: EntityTrait<Model: Sync + Partial>, F: Term, T: OutputType>(
    ctx: &Context<'_>,
    spec: ListSpec<F>,
    args: PageArgs,
    to_node: impl Fn(E::Model) -> T,
) -> Result<Conn<T>> {
    let list = E::default().table_name();
    let sort = spec.sort();
    let window = args.window(list, sort)?;
    let rows = page::root_page::<E, F>(db(ctx)?, &spec, &window, Columns::ALL).await?;
    let total = TotalCount(Box::new(RootCountKey::<E, F> {
        spec,
        entity: PhantomData,
    }));
    Ok(connection(list, sort, &window, rows, total, to_node))
}

/// Counts a list on demand.
pub trait Counter: Send + Sync {
    fn count<'a>(&'a self, ctx: &'a Context<'_>) -> BoxFuture<'a, Result<u64>>;
}

impl<R: Relation, F: Term> Counter for CountKey<R, ListSpec<F>> {
    fn count<'a>(&'a self, ctx: &'a Context<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move { Ok(loader(ctx)?.load_one(self.clone()).await?.unwrap_or(0)) })
    }
}

/// The count of a root list: one statement of its own (the planned path shares it between
/// concurrent requests through the loader; the resolvers do not).
impl<E: EntityTrait, F: Term> Counter for RootCountKey<E, F> {
    fn count<'a>(&'a self, ctx: &'a Context<'_>) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move { Ok(page::root_count::<E, F>(db(ctx)?, &self.spec).await?) })
    }
}

/// `totalCount`, computed only when asked for: one grouped statement for all siblings.
pub struct TotalCount(Box<dyn Counter>);

impl TotalCount {
    pub fn new(counter: impl Counter + 'static) -> Self {
        Self(Box::new(counter))
    }
}

#[Object]
impl TotalCount {
    /// The number of items in the whole list (with its filter), whatever the page.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let count = self.0.count(ctx).await?;
        Ok(super::saturating_i32(count))
    }
}
