//! A place's membership in a network, with its role and since when.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::statement::EvidenceKind;

/// `Default` is a blank row (see `place::Model`).
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub place_id: i32,
    pub network_id: i32,
    pub role: MembershipRole,
    /// Year the membership began, where a source states it.
    pub since: Option<i32>,
    /// Who represents the member in the network ("Rostock Fire Department").
    pub represented_by: Option<String>,
    pub source_id: Option<i32>,
    pub evidence_kind: Option<EvidenceKind>,
    /// The sentence of the source that states it, verbatim.
    pub evidence_quote: Option<String>,
}

/// Spelled as in the database (`string_value`) when deserialized, as the seed files do; `Member`
/// where a seed file states no role.
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
pub enum MembershipRole {
    #[default]
    #[sea_orm(string_value = "member")]
    Member,
    #[sea_orm(string_value = "founding_member")]
    FoundingMember,
    #[sea_orm(string_value = "co_founder")]
    CoFounder,
    #[sea_orm(string_value = "initiator")]
    Initiator,
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
        belongs_to = "super::network::Entity",
        from = "Column::NetworkId",
        to = "super::network::Column::Id"
    )]
    Network,
}

impl Related<super::place::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Place.def()
    }
}

impl Related<super::network::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Network.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
