//! A source document that seeded records cite (see `seeds/sources/`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Stable short name used by the seed files, e.g. `rostock-international-associations`.
    #[sea_orm(unique)]
    pub key: String,
    pub title: String,
    /// Who published the document, e.g. "City of Rostock".
    pub publisher: String,
    /// Path of the verbatim copy inside the repository, e.g. `seeds/sources/000_….txt`.
    pub document: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
