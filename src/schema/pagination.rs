//! Relay connections: argument checks, opaque cursors, and turning a fetched page into
//! async-graphql's `Connection` with `edges`, `nodes`, `pageInfo` and a lazy `totalCount`.
//!
//! Conventions follow GitHub's API: `first`/`last` at most 100, not both at once, and with
//! neither given a list returns its first 100 items.

use std::borrow::Cow;

use async_graphql::{
    connection::{Connection, CursorType, Edge, EmptyFields, OpaqueCursor},
    Context, Object, OutputType, Result,
};
use entity::{event, network, place};
use serde::{Deserialize, Serialize};

use super::{db, loader};
use crate::{
    error::{AppError, AppResult},
    loaders::page::{self, CountKey, PageKey, Relation, Rows, Window},
};

/// The most items one page may hold (`first`/`last`).
pub const MAX_PAGE_SIZE: i32 = 100;

/// What a cursor holds: the list's key space and the edge row's id. Serialized as JSON, then
/// base64 (async-graphql's `OpaqueCursor`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CursorKey {
    #[serde(rename = "l")]
    list: Cow<'static, str>,
    #[serde(rename = "k")]
    key: i32,
}

pub type Cursor = OpaqueCursor<CursorKey>;

/// Every list in the API is one of these.
pub type Conn<T> = Connection<Cursor, T, TotalCount, EmptyFields>;

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

    /// Checks the arguments and turns them into a window over `list`'s keys.
    pub fn window(&self, list: &str) -> AppResult<Window> {
        let size =
            match (self.first, self.last) {
                (Some(_), Some(_)) => return Err(AppError::BadUserInput(
                    "Passing both `first` and `last` to paginate a connection is not supported."
                        .into(),
                )),
                (Some(n), None) => page_size("first", n)?,
                (None, Some(n)) => page_size("last", n)?,
                (None, None) => MAX_PAGE_SIZE as u64,
            };
        Ok(Window {
            after: self
                .after
                .as_deref()
                .map(|c| decode_cursor("after", c, list))
                .transpose()?,
            before: self
                .before
                .as_deref()
                .map(|c| decode_cursor("before", c, list))
                .transpose()?,
            size,
            backward: self.last.is_some(),
        })
    }
}

fn page_size(argument: &str, n: i32) -> AppResult<u64> {
    if (0..=MAX_PAGE_SIZE).contains(&n) {
        Ok(n as u64)
    } else {
        Err(AppError::BadUserInput(format!(
            "`{argument}` must be between 0 and {MAX_PAGE_SIZE}, got {n}."
        )))
    }
}

fn decode_cursor(argument: &str, cursor: &str, list: &str) -> AppResult<i32> {
    match Cursor::decode_cursor(cursor) {
        Ok(OpaqueCursor(key)) if key.list == list => Ok(key.key),
        _ => Err(AppError::InvalidCursor(format!(
            "`{argument}` is not a cursor of this list: {cursor:?}"
        ))),
    }
}

/// Builds the connection from rows fetched for `window` (up to `size + 1`, in the window's
/// direction).
pub fn connection<M, T: OutputType>(
    list: &'static str,
    window: Window,
    mut rows: Rows<M>,
    total: TotalCount,
    to_node: impl Fn(M) -> T,
) -> Conn<T> {
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
    let mut conn = Connection::with_additional_fields(has_previous, has_next, total);
    conn.edges.extend(rows.into_iter().map(|(key, model)| {
        let cursor = OpaqueCursor(CursorKey {
            list: Cow::Borrowed(list),
            key,
        });
        Edge::new(cursor, to_node(model))
    }));
    conn
}

/// A page of the list `relation` of `parent`, batched with its siblings.
pub async fn related<R: Relation, T: OutputType>(
    ctx: &Context<'_>,
    relation: R,
    parent: i32,
    args: PageArgs,
    to_node: impl Fn(<R::Target as sea_orm::EntityTrait>::Model) -> T,
) -> Result<Conn<T>> {
    let edge = relation.edge();
    let window = args.window(edge.table)?;
    let rows = loader(ctx)?
        .load_one(PageKey {
            relation,
            parent,
            window,
        })
        .await
        .map_err(AppError::from)?
        .unwrap_or_default();
    Ok(connection(
        edge.table,
        window,
        rows,
        TotalCount::Edge(CountKey { edge, parent }),
        to_node,
    ))
}

/// A page of a whole table.
pub async fn root<E: sea_orm::EntityTrait<Model: Sync>, T: OutputType>(
    ctx: &Context<'_>,
    table: RootTable,
    args: PageArgs,
    to_node: impl Fn(E::Model) -> T,
) -> Result<Conn<T>> {
    let list = E::default().table_name();
    let window = args.window(list)?;
    let rows = page::root_page::<E>(db(ctx)?, window)
        .await
        .map_err(AppError::from)?;
    Ok(connection(
        list,
        window,
        rows,
        TotalCount::Root(table),
        to_node,
    ))
}

/// The tables that are root lists.
#[derive(Clone, Copy, Debug)]
pub enum RootTable {
    Places,
    Networks,
    Events,
}

/// `totalCount`, computed only when asked for: one grouped statement for all siblings.
pub enum TotalCount {
    Edge(CountKey),
    Root(RootTable),
}

#[Object]
impl TotalCount {
    /// The number of items in the whole list, whatever the page.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let count = match self {
            TotalCount::Edge(key) => loader(ctx)?
                .load_one(*key)
                .await
                .map_err(AppError::from)?
                .unwrap_or(0),
            TotalCount::Root(table) => {
                let db = db(ctx)?;
                match table {
                    RootTable::Places => page::root_count::<place::Entity>(db).await,
                    RootTable::Networks => page::root_count::<network::Entity>(db).await,
                    RootTable::Events => page::root_count::<event::Entity>(db).await,
                }
                .map_err(AppError::from)?
            }
        };
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
}
