//! Single rows by slug, for `city(slug:)`, `network(slug:)` and the ends of `path`: one
//! statement each, unbatched, as before (a query names few slugs).

use entity::{network, place};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

/// The place with this slug, if any.
pub async fn place(db: &DatabaseConnection, slug: &str) -> Result<Option<place::Model>, DbErr> {
    place::Entity::find()
        .filter(place::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// The network with this slug, if any.
pub async fn network(db: &DatabaseConnection, slug: &str) -> Result<Option<network::Model>, DbErr> {
    network::Entity::find()
        .filter(network::Column::Slug.eq(slug))
        .one(db)
        .await
}
