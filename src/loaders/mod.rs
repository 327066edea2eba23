//! Batched data access. Every relation a resolver follows goes through one `DataLoader`, so a
//! query touching N parents issues one statement per relation level, not N.
//!
//! - [`by_id`]: single rows by primary key (a membership's city, an event's host, …).
//! - [`page`]: one page of a list per parent, paged in SQL with a window function, plus the
//!   per-parent `totalCount`.
//! - [`topics`]: a network's topic tags.

pub mod by_id;
pub mod page;
pub mod topics;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use sea_orm::{DatabaseConnection, DbErr};

/// The one loader type; it implements `Loader<K>` for every key type in the submodules.
pub struct AppLoader {
    db: DatabaseConnection,
}

/// Loader errors must be `Clone` (one failure answers every waiting resolver).
pub type LoadError = Arc<DbErr>;

/// Built once per server and shared by all requests: it caches nothing, so results are never
/// stale, while concurrent requests can still share a batch.
pub fn data_loader(db: DatabaseConnection) -> DataLoader<AppLoader> {
    DataLoader::new(AppLoader { db }, tokio::spawn)
}
