//! `citynet import FILE…`: records from TOML (the `seeds/` format), JSON (the export's) and CSV
//! (places or memberships, recognised by their header), checked with the mutations' own
//! validators (`crate::domain`) — every problem reported at once, with file, line or record,
//! field and reason, and then nothing written — and written in one transaction: records matched
//! by slug (sources by key, memberships by network and place, events by network, year, title
//! and host, twinnings by their pair) are created, updated or left unchanged, so that importing the
//! same files again changes nothing. Search and the change feed (so caches and subscriptions)
//! see what it wrote.

mod check;
mod existing;
mod read;
mod rows;
mod write;

use std::{fmt, path::Path, rc::Rc};

use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

use self::rows::{MembershipRow, Slugs};
use super::records::{EventRecord, NetworkRecord, PlaceRecord, SourceRecord, TwinningRecord};

/// One thing wrong with the files: where, which field, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// `line 4` (CSV, or a file that does not parse) or `places[2]` (a record of TOML or JSON).
    pub location: String,
    pub field: String,
    pub reason: String,
}

impl Problem {
    /// A problem with a file as a whole or a place in it, not with one field.
    fn in_file(file: &str, location: &str, reason: String) -> Self {
        Self {
            file: file.to_owned(),
            location: location.to_owned(),
            field: String::new(),
            reason,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: ", self.file, self.location)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{}", self.reason)
    }
}

/// Why an import wrote nothing.
#[derive(Debug)]
pub enum ImportError {
    /// The files have problems (all of them listed).
    Invalid(Vec<Problem>),
    Database(DbErr),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(problems) => {
                writeln!(f, "{} problem(s); nothing was written:", problems.len())?;
                for problem in problems {
                    writeln!(f, "  {problem}")?;
                }
                Ok(())
            }
            Self::Database(err) => write!(f, "database error; nothing was written: {err}"),
        }
    }
}

impl std::error::Error for ImportError {}

impl From<DbErr> for ImportError {
    fn from(err: DbErr) -> Self {
        Self::Database(err)
    }
}

/// Created, updated and unchanged records of one table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// What an import wrote (or, with `--dry-run`, would write), table by table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub sources: Counts,
    pub places: Counts,
    pub networks: Counts,
    pub memberships: Counts,
    pub events: Counts,
    pub twinnings: Counts,
}

impl Summary {
    fn tables(&self) -> [(&'static str, Counts); 6] {
        [
            ("sources", self.sources),
            ("places", self.places),
            ("networks", self.networks),
            ("memberships", self.memberships),
            ("events", self.events),
            ("twinnings", self.twinnings),
        ]
    }

    /// What was created, on one line: `24 places, 18 networks, …` (the seed's start-up log).
    pub fn created(&self) -> String {
        self.tables()
            .iter()
            .map(|(table, counts)| format!("{} {table}", counts.created))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// True when the import changed nothing.
    pub fn is_unchanged(&self) -> bool {
        self.tables()
            .iter()
            .all(|(_, counts)| counts.created == 0 && counts.updated == 0)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<12} {:>8} {:>8} {:>10}",
            "table", "created", "updated", "unchanged"
        )?;
        for (table, counts) in self.tables() {
            writeln!(
                f,
                "{table:<12} {:>8} {:>8} {:>10}",
                counts.created, counts.updated, counts.unchanged
            )?;
        }
        Ok(())
    }
}

/// The records of one table, file by file, as they were read (a large file's records are not
/// copied again to note where each came from).
struct Table<T> {
    parts: Vec<Part<T>>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self { parts: Vec::new() }
    }
}

/// One file's records of a table; `lines` holds each record's CSV line (empty for TOML and
/// JSON, whose records are named by index).
struct Part<T> {
    file: Rc<str>,
    table: &'static str,
    records: Vec<T>,
    lines: Vec<u64>,
}

impl<T> Table<T> {
    fn add(&mut self, file: &Rc<str>, table: &'static str, records: Vec<T>) {
        if !records.is_empty() {
            self.parts.push(Part {
                file: file.clone(),
                table,
                records,
                lines: Vec::new(),
            });
        }
    }

    fn iter(&self) -> impl Iterator<Item = &T> {
        self.parts.iter().flat_map(|part| part.records.iter())
    }
}

impl<T> Table<T> {
    /// Every record, to change in place (the checks put the parsed values back), with where it
    /// came from.
    fn iter_mut(&mut self) -> impl Iterator<Item = (&str, At, &mut T)> {
        self.parts.iter_mut().flat_map(|part| {
            let (file, table, lines) = (&*part.file, part.table, &part.lines);
            part.records
                .iter_mut()
                .enumerate()
                .map(move |(index, record)| {
                    let at = match lines.get(index) {
                        Some(line) => At::Line(*line),
                        None => At::Record(table, index),
                    };
                    (file, at, record)
                })
        })
    }
}

/// Where a record is in its file.
#[derive(Clone, Copy)]
enum At {
    /// The `index`th record of a table (TOML, JSON).
    Record(&'static str, usize),
    /// A CSV line.
    Line(u64),
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Record(table, index) => write!(f, "{table}[{index}]"),
            Self::Line(line) => write!(f, "line {line}"),
        }
    }
}

/// Everything the files hold.
#[derive(Default)]
struct Records {
    sources: Table<SourceRecord>,
    places: Table<PlaceRecord>,
    networks: Table<NetworkRecord>,
    memberships: Table<MembershipRow>,
    events: Table<EventRecord>,
    twinnings: Table<TwinningRecord>,
    /// The slugs and keys the memberships name, each held once.
    slugs: Slugs,
}

/// What to import.
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    /// A TOML, JSON or CSV file, told apart by its extension.
    File(&'a Path),
    /// TOML text the binary carries (the seed files), named as a file would be in problems.
    Toml { name: &'a str, text: &'a str },
}

/// Imports `inputs` into `db`; with `dry_run` everything is checked and counted, then rolled
/// back.
pub async fn import(
    db: &DatabaseConnection,
    inputs: &[Input<'_>],
    dry_run: bool,
) -> Result<Summary, ImportError> {
    let mut problems = Vec::new();
    let mut records = Records::default();
    for input in inputs {
        read::read(*input, &mut records, &mut problems);
    }
    let txn = db.begin().await?;
    let existing = existing::Existing::load(&txn).await?;
    check::validate(&mut records, &existing, &mut problems);
    if !problems.is_empty() {
        return Err(ImportError::Invalid(problems));
    }
    let mut announced = write::Announcements::default();
    let summary = write::write(&txn, &records, existing, &mut announced).await?;
    // Written: the records are not needed while the search index is rebuilt from the tables.
    drop(records);
    if !summary.is_unchanged() {
        crate::service::search_index::reindex_all(&txn).await?;
        // Running servers hear of it through the feed: their caches and subscriptions.
        crate::changes::feed::log_import(&txn, &announced.into_changes()).await?;
    }
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(summary)
}
