//! SQL pieces both backends and both kinds of list share: the target join, the spec's filter
//! with the window's cursor conditions, the keyset `ORDER BY`, the `size + 1` window of one
//! parent, and reading a row back with its position.

use sea_orm::{
    sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, Order, Query, SelectStatement},
    DbErr, Value,
};

use crate::loaders::cells::{Cells, ReadRow};

use super::{
    super::filter::Term, Columns, EdgeSpec, ListSpec, Partial, Position, Row, Sort, SortType,
    SortValue, Window, F64, T,
};

/// The alias of the parents' `VALUES` list; its one column is `column1` on both backends.
const PARENTS: &str = "p";
const PARENT_ID: &str = "column1";

/// `SELECT … FROM (VALUES (p1), (p2), …) AS p`: one bound value per parent, so the statement's
/// text depends only on the number of parents (and the prepared statement is reused).
pub(super) fn from_parents(parents: &[i32]) -> SelectStatement {
    let mut query = Query::select();
    query.from_values(parents.iter().copied(), Alias::new(PARENTS));
    query
}

/// The id of the parent of the `VALUES` row at hand.
pub(super) fn parent_id() -> Expr {
    Expr::col((Alias::new(PARENTS), Alias::new(PARENT_ID)))
}

/// The `size + 1` edge rows of the parent `parent_id` in the window's order: their ids only, or
/// (`described`) with the parent, key, target and sort value.
pub(super) fn window_rows<F: Term>(
    edge: EdgeSpec,
    target: &'static str,
    spec: &ListSpec<F>,
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
pub(super) fn join_target(query: &mut SelectStatement, edge: EdgeSpec, target: &'static str) {
    query.join_as(
        JoinType::InnerJoin,
        target,
        Alias::new(T),
        Expr::col((Alias::new(T), Alias::new("id"))).equals((Alias::new("e"), edge.target)),
    );
}

/// Applies the spec's condition and the window's cursors.
pub(super) fn filter<F: Term>(
    query: &mut SelectStatement,
    spec: &ListSpec<F>,
    window: &Window,
    key: Expr,
) {
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
pub(super) fn ordering(
    sorted_by: Option<(Expr, bool)>,
    key: Expr,
    backward: bool,
) -> Vec<(Expr, Order)> {
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
pub(super) fn sort_column(sort: Option<Sort>) -> Option<(Expr, bool)> {
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

/// The sort value as the `__sort` column: the sort column, or NULL for a list kept in id order.
pub(super) fn sort_expr(sort: Option<Sort>) -> Expr {
    match sort {
        Some(sort) => Expr::col((Alias::new(T), Alias::new(sort.column))),
        None => Expr::value(Value::Int(None)),
    }
}

/// Reads a row back: its position from the `__key` column at `key_at` and the `__sort` column
/// after it, then its model from the columns after those. Both are read by position: a lookup
/// by name searches the row's column names, twice per row.
pub(super) fn parse_row<M: Partial, R: Cells>(
    row: &R,
    sort: Option<Sort>,
    columns: Columns,
    key_at: usize,
) -> Result<Row<M>, DbErr> {
    let sort_at = key_at + 1;
    let value = match sort.map(|s| s.kind) {
        None => SortValue::Null,
        Some(SortType::Int) => row
            .cell::<Option<i32>>(sort_at)?
            .map_or(SortValue::Null, |v| SortValue::Int(v.into())),
        Some(SortType::Float) => row
            .cell::<Option<f64>>(sort_at)?
            .map_or(SortValue::Null, |v| SortValue::Float(F64(v))),
        Some(SortType::Text) => row
            .cell::<Option<String>>(sort_at)?
            .map_or(SortValue::Null, SortValue::Text),
    };
    Ok(Row {
        position: Position {
            value,
            key: row.cell(key_at)?,
        },
        model: M::from_row(row, columns, sort_at + 1)?,
    })
}

/// A page's rows as [`parse_row`] reads them (`key_at` 0), or, `with_parent`, each with the
/// parent it belongs to in column 0 before them (`key_at` 1).
pub(super) struct PageRows<M> {
    pub sort: Option<Sort>,
    pub columns: Columns,
    pub with_parent: bool,
    pub model: std::marker::PhantomData<fn() -> M>,
}

impl<M: Partial> ReadRow for PageRows<M> {
    /// The parent (0 without one) and the row.
    type Output = (i32, Row<M>);

    fn read<R: Cells>(&self, row: &R) -> Result<Self::Output, DbErr> {
        if self.with_parent {
            Ok((row.cell(0)?, parse_row(row, self.sort, self.columns, 1)?))
        } else {
            Ok((0, parse_row(row, self.sort, self.columns, 0)?))
        }
    }
}
