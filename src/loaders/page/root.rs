//! Root lists (`cities`, `networks`, `events`): a page of a whole table and its `totalCount`,
//! one statement each. The resolvers call [`root_page`] and [`root_count`]; the planned path
//! also has them as loaders ([`RootPageKey`], [`RootCountKey`]), so that concurrent requests
//! asking for the same page at the same moment (a front page, an explorer's first screen) share
//! one statement. The loader caches nothing, and a batch's statement starts only after every
//! key in it was asked for, so no request reads rows older than its own arrival.

use std::{collections::HashMap, hash::Hash, marker::PhantomData};

use async_graphql::dataloader::Loader;
use futures_util::future::try_join_all;
use sea_orm::{
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Query, SelectStatement},
    DatabaseConnection, DbErr, EntityTrait,
};

use super::{super::filter::Term, sql, Columns, ListSpec, Partial, Rows, Window, T};
use crate::loaders::{
    cells::{Cells, ReadRow},
    select, AppLoader, LoadError,
};

/// One page of a whole table `E`.
pub struct RootPageKey<E, F> {
    pub spec: ListSpec<F>,
    pub window: Window,
    /// The columns of the listed rows to read (the resolvers read them all).
    pub columns: Columns,
    pub entity: PhantomData<fn() -> E>,
}

/// The number of rows of a whole (filtered) table `E`: a root list's `totalCount`.
pub struct RootCountKey<E, F> {
    pub spec: ListSpec<F>,
    pub entity: PhantomData<fn() -> E>,
}

// Derives would ask `E` (an entity, only a marker here) for the same traits.
impl<E, F: Clone> Clone for RootPageKey<E, F> {
    fn clone(&self) -> Self {
        Self {
            spec: self.spec.clone(),
            window: self.window.clone(),
            columns: self.columns,
            entity: PhantomData,
        }
    }
}

impl<E, F: PartialEq> PartialEq for RootPageKey<E, F> {
    fn eq(&self, other: &Self) -> bool {
        (&self.spec, &self.window, self.columns) == (&other.spec, &other.window, other.columns)
    }
}

impl<E, F: Eq> Eq for RootPageKey<E, F> {}

impl<E, F: Hash> Hash for RootPageKey<E, F> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (&self.spec, &self.window, self.columns).hash(state);
    }
}

impl<E, F: Clone> Clone for RootCountKey<E, F> {
    fn clone(&self) -> Self {
        Self {
            spec: self.spec.clone(),
            entity: PhantomData,
        }
    }
}

impl<E, F: PartialEq> PartialEq for RootCountKey<E, F> {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl<E, F: Eq> Eq for RootCountKey<E, F> {}

impl<E, F: Hash> Hash for RootCountKey<E, F> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.spec.hash(state);
    }
}

impl<E, F> Loader<RootPageKey<E, F>> for AppLoader
where
    E: EntityTrait<Model: Sync + Partial>,
    F: Term,
{
    type Value = Rows<E::Model>;
    type Error = LoadError;

    /// Each distinct page is one statement. Requests that share a batch may ask for different
    /// pages: they run side by side on the pool, so that none waits for another's.
    async fn load(
        &self,
        keys: &[RootPageKey<E, F>],
    ) -> Result<HashMap<RootPageKey<E, F>, Self::Value>, Self::Error> {
        try_join_all(keys.iter().map(|key| async move {
            let (query, read) = page_query::<E, F>(&key.spec, &key.window, key.columns);
            let rows = select(&self.db, self.sync.as_ref(), &query, read).await?;
            Ok((key.clone(), rows.into_iter().map(|(_, row)| row).collect()))
        }))
        .await
        .map(HashMap::from_iter)
    }
}

impl<E: EntityTrait, F: Term> Loader<RootCountKey<E, F>> for AppLoader {
    type Value = u64;
    type Error = LoadError;

    /// Side by side, as pages are.
    async fn load(
        &self,
        keys: &[RootCountKey<E, F>],
    ) -> Result<HashMap<RootCountKey<E, F>, u64>, Self::Error> {
        try_join_all(keys.iter().map(|key| async move {
            let query = count_query::<E, F>(&key.spec);
            let count = select(&self.db, self.sync.as_ref(), &query, Count).await?;
            Ok((key.clone(), count.first().copied().unwrap_or(0)))
        }))
        .await
        .map(HashMap::from_iter)
    }
}

/// The first or last `window.size + 1` rows of a whole (filtered) table, e.g. `cities`.
pub async fn root_page<E: EntityTrait<Model: Sync + Partial>, F: Term>(
    db: &DatabaseConnection,
    spec: &ListSpec<F>,
    window: &Window,
    columns: Columns,
) -> crate::error::AppResult<Rows<E::Model>> {
    let (query, read) = page_query::<E, F>(spec, window, columns);
    let rows = select(db, None, &query, read).await?;
    Ok(rows.into_iter().map(|(_, row)| row).collect())
}

/// The number of rows of a whole (filtered) table: `totalCount` of a root list.
pub async fn root_count<E: EntityTrait, F: Term>(
    db: &DatabaseConnection,
    spec: &ListSpec<F>,
) -> crate::error::AppResult<u64> {
    let count = select(db, None, &count_query::<E, F>(spec), Count).await?;
    Ok(count.first().copied().unwrap_or(0))
}

/// The statement of a root page, and how its rows are read.
fn page_query<E: EntityTrait<Model: Partial>, F: Term>(
    spec: &ListSpec<F>,
    window: &Window,
    columns: Columns,
) -> (SelectStatement, sql::PageRows<E::Model>) {
    let t = Alias::new(T);
    let sort = spec.sort();
    // The position first, then the model (where `parse_row` reads them).
    let mut query = Query::select();
    query
        .expr_as(
            Expr::col((t.clone(), Alias::new("id"))),
            Alias::new("__key"),
        )
        .expr_as(sql::sort_expr(sort), Alias::new("__sort"));
    columns.select::<<E::Model as Partial>::Column>(&mut query, T);
    query
        .from_as(E::default().table_name(), t.clone())
        .limit(window.size + 1);
    for (expr, order) in sql::ordering(
        sql::sort_column(sort),
        Expr::col((t, Alias::new("id"))),
        window.backward,
    ) {
        query.order_by_expr(expr, order);
    }
    sql::filter(
        &mut query,
        spec,
        window,
        Expr::col((Alias::new(T), Alias::new("id"))),
    );
    let read = sql::PageRows {
        sort,
        columns,
        with_parent: false,
        model: PhantomData,
    };
    (query, read)
}

/// `SELECT COUNT(*)` of a whole (filtered) table.
fn count_query<E: EntityTrait, F: Term>(spec: &ListSpec<F>) -> SelectStatement {
    let mut query = Query::select();
    query
        .expr_as(Expr::col(Asterisk).count(), Alias::new("__count"))
        .from_as(E::default().table_name(), Alias::new(T));
    if let Some(condition) = spec.condition() {
        query.cond_where(condition);
    }
    query
}

/// The one row of a `COUNT(*)`.
struct Count;

impl ReadRow for Count {
    type Output = u64;

    fn read<R: Cells>(&self, row: &R) -> Result<u64, DbErr> {
        let count: i64 = row.cell(0)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}
