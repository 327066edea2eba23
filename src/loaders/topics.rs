//! A network's topic tags, in the order the seed data lists them.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::network_topic;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::{AppLoader, LoadError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TopicsOf(pub i32);

impl Loader<TopicsOf> for AppLoader {
    type Value = Vec<String>;
    type Error = LoadError;

    async fn load(&self, keys: &[TopicsOf]) -> Result<HashMap<TopicsOf, Self::Value>, Self::Error> {
        let rows = network_topic::Entity::find()
            .filter(network_topic::Column::NetworkId.is_in(keys.iter().map(|key| key.0)))
            .order_by_asc(network_topic::Column::NetworkId)
            .order_by_asc(network_topic::Column::Position)
            .all(&self.db)
            .await?;
        let mut topics: HashMap<TopicsOf, Vec<String>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for row in rows {
            topics
                .entry(TopicsOf(row.network_id))
                .or_default()
                .push(row.topic);
        }
        Ok(topics)
    }
}

/// Every network's topics, in order, by network id (for whole-database work: the search index,
/// export, import).
pub async fn all_by_network<C: ConnectionTrait>(
    db: &C,
) -> Result<HashMap<i32, Vec<String>>, DbErr> {
    let mut topics: HashMap<i32, Vec<String>> = HashMap::new();
    for row in network_topic::Entity::find()
        .order_by_asc(network_topic::Column::NetworkId)
        .order_by_asc(network_topic::Column::Position)
        .all(db)
        .await?
    {
        topics.entry(row.network_id).or_default().push(row.topic);
    }
    Ok(topics)
}
