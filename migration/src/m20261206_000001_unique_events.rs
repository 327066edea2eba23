//! An event is named by its network, year, title and host: two events alike in all four are the
//! same event, and the database now says so with a unique index (a year or host left out counts
//! as a value of its own, as the import and the mutations compare them). The API used to accept
//! such a duplicate, which `citynet export` then wrote and `citynet import` refused.
//!
//! A database that holds duplicates already is not changed: the migration stops and lists them,
//! so that they can be merged or deleted (through the API) before it runs again.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "ux_event_network_year_title_host";

// The trait's signatures (async_trait) elide the manager's lifetime.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let duplicates = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT network_id, year, title, host_id, COUNT(*) AS copies FROM events \
                 GROUP BY network_id, year, title, host_id HAVING COUNT(*) > 1 \
                 ORDER BY network_id, title",
            ))
            .await?;
        if !duplicates.is_empty() {
            let listed: Vec<String> = duplicates
                .iter()
                .map(|row| {
                    let network: i32 = row.try_get("", "network_id").unwrap_or_default();
                    let year: Option<i32> = row.try_get("", "year").unwrap_or_default();
                    let title: String = row.try_get("", "title").unwrap_or_default();
                    let host: Option<i32> = row.try_get("", "host_id").unwrap_or_default();
                    let copies: i64 = row.try_get("", "copies").unwrap_or_default();
                    format!(
                        "{title:?} of network {network}, year {year:?}, host {host:?}: {copies} \
                         events"
                    )
                })
                .collect();
            return Err(DbErr::Migration(format!(
                "events must be unique by network, year, title and host, and {} are not; \
                 delete or merge the copies, then start again: {}",
                listed.len(),
                listed.join("; ")
            )));
        }
        db.execute_unprepared(&format!(
            "CREATE UNIQUE INDEX {INDEX} ON events \
             (network_id, (COALESCE(year, -1)), title, (COALESCE(host_id, -1)))"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX IF EXISTS {INDEX}"))
            .await?;
        Ok(())
    }
}
