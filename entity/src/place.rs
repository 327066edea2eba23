//! A place that can belong to networks: usually a city, sometimes a region.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::statement::AlternateNames;

/// `Default` is a blank row: empty text, zero, `None`, the first variant (what a partly read row
/// keeps in the columns it did not read).
#[derive(Clone, Debug, Default, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "places")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// `name` in lowercase ASCII, diacritics dropped (see [`crate::fold`]); kept in step by the
    /// application for case- and accent-insensitive matching.
    pub name_folded: String,
    pub kind: PlaceKind,
    /// ISO 3166-1 alpha-2.
    pub country_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub source_id: Option<i32>,
    #[sea_orm(column_type = "Json")]
    pub alternate_names: AlternateNames,
}

/// Spelled as in the database (`string_value`) when deserialized, as the seed files do.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    #[default]
    #[sea_orm(string_value = "city")]
    City,
    #[sea_orm(string_value = "region")]
    Region,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::source::Entity",
        from = "Column::SourceId",
        to = "super::source::Column::Id"
    )]
    Source,
    #[sea_orm(has_many = "super::membership::Entity")]
    Membership,
}

impl Related<super::membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Membership.def()
    }
}

impl Related<super::source::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Source.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
