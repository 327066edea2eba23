//! One direction of a twinning between two places.
//!
//! A twinning is symmetric, and it is stored as two rows (a→b and b→a) written together, so
//! "the twins of a place" is a plain indexed lookup on `place_id` from either side.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "twinnings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub place_id: i32,
    pub twin_id: i32,
    pub source_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::place::Entity",
        from = "Column::PlaceId",
        to = "super::place::Column::Id"
    )]
    Place,
    #[sea_orm(
        belongs_to = "super::place::Entity",
        from = "Column::TwinId",
        to = "super::place::Column::Id"
    )]
    Twin,
}

impl ActiveModelBehavior for ActiveModel {}
