//! An inter-city network (UBC, C40, Eurocities, …).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::statement::{AlternateNames, CountQualifier};

/// `Default` is a blank row (see `place::Model`).
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "networks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// `name` in lowercase ASCII, diacritics dropped (see [`crate::fold`]); kept in step by the
    /// application for case- and accent-insensitive matching.
    pub name_folded: String,
    pub acronym: Option<String>,
    pub description: Option<String>,
    pub founded_year: Option<i32>,
    pub founded_in_id: Option<i32>,
    /// The member count a source states ("about 100" is stored as 100, with its qualifier).
    pub reported_member_count: Option<i32>,
    pub reported_member_count_qualifier: Option<CountQualifier>,
    #[sea_orm(column_type = "Json")]
    pub alternate_names: AlternateNames,
    pub source_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::place::Entity",
        from = "Column::FoundedInId",
        to = "super::place::Column::Id"
    )]
    FoundedIn,
    #[sea_orm(
        belongs_to = "super::source::Entity",
        from = "Column::SourceId",
        to = "super::source::Column::Id"
    )]
    Source,
    #[sea_orm(has_many = "super::membership::Entity")]
    Membership,
    #[sea_orm(has_many = "super::network_topic::Entity")]
    NetworkTopic,
}

impl Related<super::membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Membership.def()
    }
}

impl Related<super::network_topic::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::NetworkTopic.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
