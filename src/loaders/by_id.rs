//! Rows by primary key, batched: `WHERE id IN (…)` once per entity type per tick.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{event, membership, network, place, source};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{AppLoader, LoadError};

macro_rules! id_loader {
    ($(#[$doc:meta])* $key:ident => $module:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i32);

        impl Loader<$key> for AppLoader {
            type Value = $module::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = $module::Entity::find()
                    .filter($module::Column::Id.is_in(keys.iter().map(|key| key.0)))
                    .all(&self.db)
                    .await?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

id_loader!(
    /// A place (city or region) by id.
    PlaceId => place
);
id_loader!(
    /// A network by id.
    NetworkId => network
);
id_loader!(
    /// A membership by id.
    MembershipId => membership
);
id_loader!(
    /// An event by id.
    EventId => event
);
id_loader!(
    /// A source document by id.
    SourceId => source
);
