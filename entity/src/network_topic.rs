//! A topic tag of a network ("climate", "peace"): one row per tag so that topics can be filtered.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "network_topics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub network_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic: String,
    /// Keeps the order in which the seed file lists the tags.
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::network::Entity",
        from = "Column::NetworkId",
        to = "super::network::Column::Id"
    )]
    Network,
}

impl Related<super::network::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Network.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
