//! One document of the full-text search index: a place, network or event as searchable text.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `city`, `network` or `event`.
    pub kind: String,
    /// The id of the place, network or event.
    pub ref_id: i32,
    /// Names (weighs most in the ranking), folded.
    pub title: String,
    /// Descriptions, topics and other words, folded.
    pub body: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
