//! The nested page statement on PostgreSQL: each parent's window as a `LATERAL` join.
//! PostgreSQL would evaluate SQLite's correlated `IN` once per candidate row rather than once
//! per parent, so it gets its own shape; the rows and their order are the same.

use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, JoinType, Order, SelectStatement},
    ColumnTrait, Iterable,
};

use super::{super::filter::Term, sql, Columns, EdgeSpec, ListSpec, Window};

/// The page of every parent in `parents`: for each parent of a `VALUES` list, the subquery
/// taking its first `size + 1` edge rows in the window's order as a `LATERAL` join, then their
/// target rows by primary key. Rows come back by parent, each parent's in the window's order.
pub(super) fn edge_page_query<F: Term, C: ColumnTrait + Iterable>(
    edge: EdgeSpec,
    target: &'static str,
    parents: &[i32],
    spec: &ListSpec<F>,
    window: &Window,
    columns: Columns,
) -> SelectStatement {
    let w = Alias::new("w");
    // The parent and the position first, then the model (where the loader reads them).
    let mut query = sql::from_parents(parents);
    query
        .column((w.clone(), Alias::new("__parent")))
        .column((w.clone(), Alias::new("__key")))
        .column((w.clone(), Alias::new("__sort")));
    columns.select::<C>(&mut query, "l");
    query
        .join_lateral(
            JoinType::InnerJoin,
            sql::window_rows(edge, target, spec, window, sql::parent_id(), true),
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
    let sorted_by = spec.sort().map(|sort| {
        (
            Expr::col((w.clone(), Alias::new("__sort"))),
            sort.descending,
        )
    });
    for (expr, order) in sql::ordering(
        sorted_by,
        Expr::col((w, Alias::new("__key"))),
        window.backward,
    ) {
        query.order_by_expr(expr, order);
    }
    query
}
