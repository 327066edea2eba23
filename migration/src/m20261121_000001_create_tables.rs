//! The initial schema.
//!
//! Decisions worth knowing:
//! - Every relationship row (membership, participant, twinning, topic) is deleted with the place,
//!   network or event it hangs on (`ON DELETE CASCADE`); optional links (an event's host, a
//!   network's founding place, a record's source) become NULL instead.
//! - Each foreign key that a list is paged by has an index starting with that key and ending with
//!   the row id, so a page "members of network N after cursor C" is one index range scan.
//! - Enumerations are stored as lowercase text, readable in any SQL shell and portable between
//!   SQLite and PostgreSQL.
//! - `name_folded` holds the name in lowercase ASCII (diacritics dropped), written by the
//!   application, so "dusseldorf" finds Düsseldorf with a plain `LIKE` on both backends.
//! - `search_entries` holds one text document per place, network and event, written by the
//!   application; full-text search indexes it with FTS5 on SQLite and a GIN `tsvector` index on
//!   PostgreSQL. Its `title` weighs more than its `body` in the ranking.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, DbBackend},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

// `MigrationTrait` spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            sources(),
            places(),
            networks(),
            network_topics(),
            memberships(),
            events(),
            event_participants(),
            twinnings(),
            search_entries(),
        ] {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        create_search_index(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS search_fts")
                .await?;
        }
        for table in [
            SearchEntries::Table.into_iden(),
            Twinnings::Table.into_iden(),
            EventParticipants::Table.into_iden(),
            Events::Table.into_iden(),
            Memberships::Table.into_iden(),
            NetworkTopics::Table.into_iden(),
            Networks::Table.into_iden(),
            Places::Table.into_iden(),
            Sources::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn sources() -> TableCreateStatement {
    Table::create()
        .table(Sources::Table)
        .col(pk_auto(Sources::Id))
        .col(string_uniq(Sources::Key))
        .col(string(Sources::Title))
        .col(string(Sources::Publisher))
        .col(string(Sources::Document))
        .to_owned()
}

fn places() -> TableCreateStatement {
    Table::create()
        .table(Places::Table)
        .col(pk_auto(Places::Id))
        .col(string_uniq(Places::Slug))
        .col(string(Places::Name))
        .col(string(Places::NameFolded))
        .col(string(Places::Kind))
        .col(string_len_null(Places::CountryCode, 2))
        .col(double_null(Places::Latitude))
        .col(double_null(Places::Longitude))
        .col(integer_null(Places::SourceId))
        .foreign_key(&mut source_fk(Places::Table, Places::SourceId))
        .to_owned()
}

fn networks() -> TableCreateStatement {
    Table::create()
        .table(Networks::Table)
        .col(pk_auto(Networks::Id))
        .col(string_uniq(Networks::Slug))
        .col(string(Networks::Name))
        .col(string(Networks::NameFolded))
        .col(string_null(Networks::Acronym))
        .col(text_null(Networks::Description))
        .col(integer_null(Networks::FoundedYear))
        .col(integer_null(Networks::FoundedInId))
        .col(integer_null(Networks::ReportedMemberCount))
        .col(integer_null(Networks::SourceId))
        .foreign_key(
            ForeignKey::create()
                .from(Networks::Table, Networks::FoundedInId)
                .to(Places::Table, Places::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .foreign_key(&mut source_fk(Networks::Table, Networks::SourceId))
        .to_owned()
}

fn network_topics() -> TableCreateStatement {
    Table::create()
        .table(NetworkTopics::Table)
        .col(integer(NetworkTopics::NetworkId))
        .col(string(NetworkTopics::Topic))
        .col(integer(NetworkTopics::Position))
        .primary_key(
            Index::create()
                .col(NetworkTopics::NetworkId)
                .col(NetworkTopics::Topic),
        )
        .foreign_key(&mut cascade_fk(
            NetworkTopics::Table,
            NetworkTopics::NetworkId,
            Networks::Table,
            Networks::Id,
        ))
        .to_owned()
}

fn memberships() -> TableCreateStatement {
    Table::create()
        .table(Memberships::Table)
        .col(pk_auto(Memberships::Id))
        .col(integer(Memberships::PlaceId))
        .col(integer(Memberships::NetworkId))
        .col(string(Memberships::Role))
        .col(integer_null(Memberships::Since))
        .col(string_null(Memberships::RepresentedBy))
        .col(integer_null(Memberships::SourceId))
        .foreign_key(&mut cascade_fk(
            Memberships::Table,
            Memberships::PlaceId,
            Places::Table,
            Places::Id,
        ))
        .foreign_key(&mut cascade_fk(
            Memberships::Table,
            Memberships::NetworkId,
            Networks::Table,
            Networks::Id,
        ))
        .foreign_key(&mut source_fk(Memberships::Table, Memberships::SourceId))
        .to_owned()
}

fn events() -> TableCreateStatement {
    Table::create()
        .table(Events::Table)
        .col(pk_auto(Events::Id))
        .col(string(Events::Kind))
        .col(string(Events::Title))
        .col(integer_null(Events::Year))
        .col(string_null(Events::Topic))
        .col(integer(Events::NetworkId))
        .col(integer_null(Events::HostId))
        .col(integer_null(Events::ReportedParticipantCount))
        .col(integer_null(Events::SourceId))
        .foreign_key(&mut cascade_fk(
            Events::Table,
            Events::NetworkId,
            Networks::Table,
            Networks::Id,
        ))
        .foreign_key(
            ForeignKey::create()
                .from(Events::Table, Events::HostId)
                .to(Places::Table, Places::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .foreign_key(&mut source_fk(Events::Table, Events::SourceId))
        .to_owned()
}

fn event_participants() -> TableCreateStatement {
    Table::create()
        .table(EventParticipants::Table)
        .col(pk_auto(EventParticipants::Id))
        .col(integer(EventParticipants::EventId))
        .col(integer(EventParticipants::PlaceId))
        .col(integer_null(EventParticipants::SourceId))
        .foreign_key(&mut cascade_fk(
            EventParticipants::Table,
            EventParticipants::EventId,
            Events::Table,
            Events::Id,
        ))
        .foreign_key(&mut cascade_fk(
            EventParticipants::Table,
            EventParticipants::PlaceId,
            Places::Table,
            Places::Id,
        ))
        .foreign_key(&mut source_fk(
            EventParticipants::Table,
            EventParticipants::SourceId,
        ))
        .to_owned()
}

fn twinnings() -> TableCreateStatement {
    Table::create()
        .table(Twinnings::Table)
        .col(pk_auto(Twinnings::Id))
        .col(integer(Twinnings::PlaceId))
        .col(integer(Twinnings::TwinId))
        .col(integer_null(Twinnings::SourceId))
        .check(Expr::col(Twinnings::PlaceId).ne(Expr::col(Twinnings::TwinId)))
        .foreign_key(&mut cascade_fk(
            Twinnings::Table,
            Twinnings::PlaceId,
            Places::Table,
            Places::Id,
        ))
        .foreign_key(&mut cascade_fk(
            Twinnings::Table,
            Twinnings::TwinId,
            Places::Table,
            Places::Id,
        ))
        .foreign_key(&mut source_fk(Twinnings::Table, Twinnings::SourceId))
        .to_owned()
}

fn search_entries() -> TableCreateStatement {
    Table::create()
        .table(SearchEntries::Table)
        .col(pk_auto(SearchEntries::Id))
        .col(string(SearchEntries::Kind))
        .col(integer(SearchEntries::RefId))
        .col(text(SearchEntries::Title))
        .col(text(SearchEntries::Body))
        .to_owned()
}

/// The full-text index over `search_entries`, in each backend's own form.
async fn create_search_index(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let statements: &[&str] = match manager.get_database_backend() {
        DbBackend::Sqlite => &[
            // An external-content FTS5 table, kept in step with search_entries by triggers.
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, \
             content='search_entries', content_rowid='id', \
             tokenize='unicode61 remove_diacritics 2')",
            "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN \
             INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
            "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN \
             INSERT INTO search_fts(search_fts, rowid, title, body) \
             VALUES ('delete', old.id, old.title, old.body); END",
            "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN \
             INSERT INTO search_fts(search_fts, rowid, title, body) \
             VALUES ('delete', old.id, old.title, old.body); \
             INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
        ],
        _ => &[
            "CREATE INDEX ix_search_entries_document ON search_entries USING GIN (\
             (setweight(to_tsvector('simple', title), 'A') || \
              setweight(to_tsvector('simple', body), 'B')))",
        ],
    };
    for statement in statements {
        manager
            .get_connection()
            .execute_unprepared(statement)
            .await?;
    }
    Ok(())
}

/// Unique pairs keep the data free of duplicates; the (parent, id) indexes serve paging.
fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        unique_index(
            "ux_memberships_place_network",
            Memberships::Table,
            [Memberships::PlaceId, Memberships::NetworkId],
        ),
        index(
            "ix_memberships_network_id",
            Memberships::Table,
            [Memberships::NetworkId, Memberships::Id],
        ),
        index(
            "ix_memberships_place_id",
            Memberships::Table,
            [Memberships::PlaceId, Memberships::Id],
        ),
        index(
            "ix_events_network_id",
            Events::Table,
            [Events::NetworkId, Events::Id],
        ),
        index(
            "ix_events_host_id",
            Events::Table,
            [Events::HostId, Events::Id],
        ),
        unique_index(
            "ux_event_participants_event_place",
            EventParticipants::Table,
            [EventParticipants::EventId, EventParticipants::PlaceId],
        ),
        index(
            "ix_event_participants_event_id",
            EventParticipants::Table,
            [EventParticipants::EventId, EventParticipants::Id],
        ),
        index(
            "ix_event_participants_place_id",
            EventParticipants::Table,
            [EventParticipants::PlaceId, EventParticipants::Id],
        ),
        unique_index(
            "ux_twinnings_place_twin",
            Twinnings::Table,
            [Twinnings::PlaceId, Twinnings::TwinId],
        ),
        index(
            "ix_twinnings_place_id",
            Twinnings::Table,
            [Twinnings::PlaceId, Twinnings::Id],
        ),
        unique_index(
            "ux_search_entries_kind_ref",
            SearchEntries::Table,
            [SearchEntries::Kind, SearchEntries::RefId],
        ),
        index("ix_places_name_folded", Places::Table, [Places::NameFolded]),
        index(
            "ix_networks_name_folded",
            Networks::Table,
            [Networks::NameFolded],
        ),
        index(
            "ix_networks_founded_in_id",
            Networks::Table,
            [Networks::FoundedInId],
        ),
    ]
}

fn index<T: IntoIden, C: IntoIden, const N: usize>(
    name: &str,
    table: T,
    columns: [C; N],
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    index.to_owned()
}

fn unique_index<T: IntoIden, C: IntoIden, const N: usize>(
    name: &str,
    table: T,
    columns: [C; N],
) -> IndexCreateStatement {
    index(name, table, columns).unique().to_owned()
}

fn cascade_fk<T: IntoIden, C: IntoIden, U: IntoIden, D: IntoIden>(
    table: T,
    column: C,
    to_table: U,
    to_column: D,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(to_table, to_column)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn source_fk<T: IntoIden, C: IntoIden>(table: T, column: C) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Sources::Table, Sources::Id)
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

#[derive(DeriveIden)]
enum Sources {
    Table,
    Id,
    Key,
    Title,
    Publisher,
    Document,
}

#[derive(DeriveIden)]
enum Places {
    Table,
    Id,
    Slug,
    Name,
    NameFolded,
    Kind,
    CountryCode,
    Latitude,
    Longitude,
    SourceId,
}

#[derive(DeriveIden)]
enum Networks {
    Table,
    Id,
    Slug,
    Name,
    NameFolded,
    Acronym,
    Description,
    FoundedYear,
    FoundedInId,
    ReportedMemberCount,
    SourceId,
}

#[derive(DeriveIden)]
enum NetworkTopics {
    Table,
    NetworkId,
    Topic,
    Position,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    PlaceId,
    NetworkId,
    Role,
    Since,
    RepresentedBy,
    SourceId,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Kind,
    Title,
    Year,
    Topic,
    NetworkId,
    HostId,
    ReportedParticipantCount,
    SourceId,
}

#[derive(DeriveIden)]
enum EventParticipants {
    Table,
    Id,
    EventId,
    PlaceId,
    SourceId,
}

#[derive(DeriveIden)]
enum Twinnings {
    Table,
    Id,
    PlaceId,
    TwinId,
    SourceId,
}

#[derive(DeriveIden)]
enum SearchEntries {
    Table,
    Id,
    Kind,
    RefId,
    Title,
    Body,
}
