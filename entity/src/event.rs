//! Something a network held or did: a conference, its founding, a launch, a signing.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::statement::EvidenceKind;

/// `Default` is a blank row (see `place::Model`).
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: EventKind,
    pub title: String,
    pub year: Option<i32>,
    pub topic: Option<String>,
    pub network_id: i32,
    pub host_id: Option<i32>,
    /// How many took part, as a source states it, even where not all are named.
    pub reported_participant_count: Option<i32>,
    pub source_id: Option<i32>,
    pub evidence_kind: Option<EvidenceKind>,
    /// The sentence of the source that states it, verbatim.
    pub evidence_quote: Option<String>,
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
pub enum EventKind {
    #[default]
    #[sea_orm(string_value = "conference")]
    Conference,
    #[sea_orm(string_value = "founding")]
    Founding,
    #[sea_orm(string_value = "launch")]
    Launch,
    #[sea_orm(string_value = "signing")]
    Signing,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::network::Entity",
        from = "Column::NetworkId",
        to = "super::network::Column::Id"
    )]
    Network,
    #[sea_orm(
        belongs_to = "super::place::Entity",
        from = "Column::HostId",
        to = "super::place::Column::Id"
    )]
    Host,
}

impl Related<super::network::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Network.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
