//! Single rows by slug, for `city(slug:)`, `network(slug:)` and the ends of `path`: one
//! statement each, unbatched, as before (a query names few slugs).

use entity::{network, place};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::error::AppResult;

/// The place with this slug, if any.
pub async fn place(db: &DatabaseConnection, slug: &str) -> AppResult<Option<place::Model>> {
    Ok(place::Entity::find()
        .filter(place::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// The network with this slug, if any.
pub async fn network(db: &DatabaseConnection, slug: &str) -> AppResult<Option<network::Model>> {
    Ok(network::Entity::find()
        .filter(network::Column::Slug.eq(slug))
        .one(db)
        .await?)
}
