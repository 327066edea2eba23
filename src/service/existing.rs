//! Looking up the records a write names, refusing those that do not exist.

use sea_orm::{ConnectionTrait, EntityTrait};

use crate::error::{AppError, AppResult};

/// The row `id` of `E`, or `NOT_FOUND` about `field`.
pub(super) async fn existing<E, C>(db: &C, field: &str, id: i32) -> AppResult<E::Model>
where
    E: EntityTrait,
    E::PrimaryKey: sea_orm::PrimaryKeyTrait<ValueType = i32>,
    C: ConnectionTrait,
{
    E::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| missing(field))
}

/// The `NOT_FOUND` error about `field`.
pub(super) fn missing(field: &str) -> AppError {
    AppError::NotFound(format!("`{field}` names nothing that exists.")).at(field)
}
