//! The nested page statement on SQLite: each parent's window as a correlated `IN` subquery,
//! which SQLite runs once per parent as an index range scan.

use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, JoinType, Order, SelectStatement},
    ColumnTrait, Iterable,
};

use super::{super::filter::Term, sql, Columns, EdgeSpec, ListSpec, Window, T};

/// The page of every parent in `parents`: for each parent of a `VALUES` list, the edge rows
/// whose id is `IN` a correlated subquery taking the parent's first `size + 1` edge ids in the
/// window's order (an index range scan however many children the parent has), then their
/// target rows by primary key. Rows come back by parent, each parent's in the window's order.
pub(super) fn edge_page_query<F: Term, C: ColumnTrait + Iterable>(
    edge: EdgeSpec,
    target: &'static str,
    parents: &[i32],
    spec: &ListSpec<F>,
    window: &Window,
    columns: Columns,
) -> SelectStatement {
    let e = Alias::new("e");
    let parent_id = sql::parent_id();
    let key = Expr::col((e.clone(), Alias::new("id")));
    let sort = spec.sort();
    // The parent and the position first, then the model (where the loader reads them).
    let mut query = sql::from_parents(parents);
    query
        .expr_as(parent_id.clone(), Alias::new("__parent"))
        .expr_as(key.clone(), Alias::new("__key"))
        .expr_as(sql::sort_expr(sort), Alias::new("__sort"));
    columns.select::<C>(&mut query, T);
    query.join_as(
        JoinType::InnerJoin,
        edge.table,
        e,
        key.clone().in_subquery(sql::window_rows(
            edge,
            target,
            spec,
            window,
            parent_id.clone(),
            false,
        )),
    );
    sql::join_target(&mut query, edge, target);
    query.order_by_expr(parent_id, Order::Asc);
    for (expr, order) in sql::ordering(sql::sort_column(sort), key, window.backward) {
        query.order_by_expr(expr, order);
    }
    query
}
