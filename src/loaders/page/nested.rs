//! Loaders for nested lists: one parent's page (`PageKey`) and one parent's `totalCount`
//! (`CountKey`), each answered for a whole batch of siblings in one statement per list.

use std::{collections::HashMap, hash::Hash, marker::PhantomData};

use async_graphql::dataloader::Loader;
use sea_orm::{
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Query, SelectStatement},
    ColumnTrait, DbBackend, EntityName, EntityTrait, Iterable,
};

use super::{postgres, sql, sqlite, Columns, EdgeSpec, ListSpec, Partial, Relation, Rows, Window};
use crate::loaders::{filter::Term, group_by, AppLoader, GroupedCount, LoadError};

/// One parent's page of one list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageKey<R, S> {
    pub relation: R,
    pub parent: i32,
    pub spec: S,
    pub window: Window,
    /// The columns of the listed rows to read (the resolvers read them all).
    pub columns: Columns,
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

impl<R: Relation, F: Term> Loader<PageKey<R, ListSpec<F>>> for AppLoader {
    type Value = Rows<Model<R>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PageKey<R, ListSpec<F>>],
    ) -> Result<HashMap<PageKey<R, ListSpec<F>>, Self::Value>, Self::Error> {
        // Siblings almost always ask for the same list and window: usually one group.
        let groups = group_by(keys.iter().map(|key| {
            (
                (key.relation, &key.spec, &key.window, key.columns),
                key.parent,
            )
        }));
        let mut pages: HashMap<PageKey<R, ListSpec<F>>, Self::Value> =
            HashMap::with_capacity(keys.len());
        let target = R::Target::default().table_name();
        let backend = self.db.get_database_backend();
        for ((relation, spec, window, columns), parents) in groups {
            // Rows by parent first: a key (its spec and window cloned) is made once per parent,
            // not once per row.
            let mut rows_of: HashMap<i32, Self::Value> = HashMap::with_capacity(parents.len());
            for chunk in parents.chunks(PARENTS_PER_STATEMENT) {
                let statement = edge_page_query::<F, <Model<R> as Partial>::Column>(
                    backend,
                    relation.edge(),
                    target,
                    chunk,
                    spec,
                    window,
                    columns,
                );
                let read = sql::PageRows::<Model<R>> {
                    sort: spec.sort(),
                    columns,
                    with_parent: true,
                    model: PhantomData,
                };
                for (parent, row) in self.rows(&statement, read).await? {
                    rows_of.entry(parent).or_default().push(row);
                }
            }
            for parent in parents {
                let key = PageKey {
                    relation,
                    parent,
                    spec: spec.clone(),
                    window: window.clone(),
                    columns,
                };
                let rows = rows_of.remove(&parent).unwrap_or_default();
                pages.entry(key).or_insert(rows);
            }
        }
        Ok(pages)
    }
}

impl<R: Relation, F: Term> Loader<CountKey<R, ListSpec<F>>> for AppLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CountKey<R, ListSpec<F>>],
    ) -> Result<HashMap<CountKey<R, ListSpec<F>>, u64>, Self::Error> {
        let groups = group_by(
            keys.iter()
                .map(|key| ((key.relation, &key.spec), key.parent)),
        );
        let mut counts: HashMap<CountKey<R, ListSpec<F>>, u64> =
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
            sql::join_target(&mut statement, edge, target);
            statement
                .and_where(Expr::col((Alias::new("e"), edge.parent)).is_in(parents))
                .group_by_col((Alias::new("e"), edge.parent));
            if let Some(condition) = spec.condition() {
                statement.cond_where(condition);
            }
            for (parent, count) in self.rows(&statement, GroupedCount).await? {
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

/// Parents per statement (each is one bound value of the `VALUES` list).
const PARENTS_PER_STATEMENT: usize = 1_000;

/// The page of every parent in `parents`, in one statement whose text depends only on the
/// list, the window and the number of parents (so the prepared statement is reused), in the
/// backend's shape. Rows come back by parent, each parent's in the window's order.
fn edge_page_query<F: Term, C: ColumnTrait + Iterable>(
    backend: DbBackend,
    edge: EdgeSpec,
    target: &'static str,
    parents: &[i32],
    spec: &ListSpec<F>,
    window: &Window,
    columns: Columns,
) -> SelectStatement {
    match backend {
        DbBackend::Postgres => {
            postgres::edge_page_query::<F, C>(edge, target, parents, spec, window, columns)
        }
        _ => sqlite::edge_page_query::<F, C>(edge, target, parents, spec, window, columns),
    }
}
