//! Statements as precise as their sources (issue 18): the qualifier of a reported member count
//! ("about 100", "more than 1,500"), the evidence of each membership and event (the sentence
//! stating it, or that the page only lists it), and the other names of places and networks.
//! Existing rows keep `NULL` evidence and qualifiers and no other names.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

// The trait's signatures (async_trait) elide the manager's lifetime.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        let columns = [
            (
                Networks::Table.into_iden(),
                string_null(Networks::ReportedMemberCountQualifier),
            ),
            (
                Networks::Table.into_iden(),
                json(Networks::AlternateNames).default("[]").to_owned(),
            ),
            (
                Places::Table.into_iden(),
                json(Places::AlternateNames).default("[]").to_owned(),
            ),
            (
                Memberships::Table.into_iden(),
                string_null(Memberships::EvidenceKind),
            ),
            (
                Memberships::Table.into_iden(),
                text_null(Memberships::EvidenceQuote),
            ),
            (Events::Table.into_iden(), string_null(Events::EvidenceKind)),
            (Events::Table.into_iden(), text_null(Events::EvidenceQuote)),
        ];
        for (table, mut column) in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            (
                Networks::Table.into_iden(),
                Networks::ReportedMemberCountQualifier.into_iden(),
            ),
            (
                Networks::Table.into_iden(),
                Networks::AlternateNames.into_iden(),
            ),
            (
                Places::Table.into_iden(),
                Places::AlternateNames.into_iden(),
            ),
            (
                Memberships::Table.into_iden(),
                Memberships::EvidenceKind.into_iden(),
            ),
            (
                Memberships::Table.into_iden(),
                Memberships::EvidenceQuote.into_iden(),
            ),
            (Events::Table.into_iden(), Events::EvidenceKind.into_iden()),
            (Events::Table.into_iden(), Events::EvidenceQuote.into_iden()),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Networks {
    Table,
    ReportedMemberCountQualifier,
    AlternateNames,
}

#[derive(DeriveIden)]
enum Places {
    Table,
    AlternateNames,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    EvidenceKind,
    EvidenceQuote,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    EvidenceKind,
    EvidenceQuote,
}
