//! The change feed (issue 16): a write generation that every write transaction bumps, and a log
//! of what each committed write changed, so that every instance on the database can tell that
//! its cached answers are out of date and tell its subscribers what another instance wrote.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

// The trait's signatures (async_trait) elide the manager's lifetime.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WriteGeneration::Table)
                    .col(integer(WriteGeneration::Id).primary_key())
                    .col(big_integer(WriteGeneration::Generation))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(WriteGeneration::Table)
                    .columns([WriteGeneration::Id, WriteGeneration::Generation])
                    .values([1.into(), 0i64.into()])
                    .map_err(|err| DbErr::Migration(err.to_string()))?
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChangeLog::Table)
                    .col(big_integer(ChangeLog::Generation).primary_key())
                    .col(string(ChangeLog::Instance))
                    .col(text(ChangeLog::Changes))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ChangeLog::Table.into_iden(),
            WriteGeneration::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// One row: the number of write transactions committed so far.
#[derive(DeriveIden)]
enum WriteGeneration {
    Table,
    Id,
    Generation,
}

/// What the write transaction of each generation changed (JSON), and which instance wrote it.
#[derive(DeriveIden)]
enum ChangeLog {
    Table,
    Generation,
    Instance,
    Changes,
}
