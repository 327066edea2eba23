//! Citynet's schema migrations. The server runs `Migrator::up` at start; `cargo run -p migration`
//! is not needed for normal use.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_tables;
mod m20261201_000001_change_feed;
mod m20261201_000002_precise_statements;
mod m20261206_000001_unique_events;
mod m20261206_000002_search_title_prefix;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_tables::Migration),
            Box::new(m20261201_000001_change_feed::Migration),
            Box::new(m20261201_000002_precise_statements::Migration),
            Box::new(m20261206_000001_unique_events::Migration),
            Box::new(m20261206_000002_search_title_prefix::Migration),
        ]
    }
}
