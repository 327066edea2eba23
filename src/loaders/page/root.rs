//! Root lists (`cities`, `networks`, `events`): a page of a whole table and its `totalCount`,
//! one statement each, not batched (a query has few root lists).

use sea_orm::{
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Query},
    ConnectionTrait, DatabaseConnection, EntityTrait,
};

use super::{super::filter::Term, sql, Columns, ListSpec, Partial, Rows, Window, T};

/// The first or last `window.size + 1` rows of a whole (filtered) table, e.g. `cities`.
pub async fn root_page<E: EntityTrait<Model: Sync + Partial>, F: Term>(
    db: &DatabaseConnection,
    spec: &ListSpec<F>,
    window: &Window,
    columns: Columns,
) -> crate::error::AppResult<Rows<E::Model>> {
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
    Ok(db
        .query_all(&query)
        .await?
        .iter()
        .map(|row| sql::parse_row(row, sort, columns, 0))
        .collect::<Result<_, _>>()?)
}

/// The number of rows of a whole (filtered) table: `totalCount` of a root list.
pub async fn root_count<E: EntityTrait, F: Term>(
    db: &DatabaseConnection,
    spec: &ListSpec<F>,
) -> crate::error::AppResult<u64> {
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
