//! Search answers while you type: the names that begin with what was typed come first, read
//! from an index on `search_entries.title` in order (a range scan that stops after one page)
//! instead of ranking every full-text match. "ber" matched 1 850 entries of the 50 000-place
//! world, and scoring them all was the whole cost of the search.
//!
//! PostgreSQL compares the titles bytewise (`COLLATE "C"`), as SQLite does, so that a range of
//! titles is exactly the titles with a prefix.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "ix_search_entries_title";

// The trait's signatures (async_trait) elide the manager's lifetime.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = match manager.get_database_backend() {
            DbBackend::Postgres => "(title COLLATE \"C\", id)",
            _ => "(title, id)",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!("CREATE INDEX {INDEX} ON search_entries {columns}"))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX {INDEX}"))
            .await?;
        Ok(())
    }
}
