//! `citynet import FILE…`: records from TOML (the `seeds/` format), JSON (the export's) and CSV
//! (places or memberships, recognised by their header), checked with the mutations' own
//! validators (`crate::domain`) — every problem reported at once, with file, line or record,
//! field and reason, and then nothing written — and written in one transaction: records matched
//! by slug (sources by key, memberships by network and place, events by network, year, title
//! and host, twinnings by their pair) are created, updated or left unchanged, so that importing the
//! same files again changes nothing. Search and the change feed (so caches and subscriptions)
//! see what it wrote.

use std::{
    collections::{HashMap, HashSet},
    fmt,
    path::Path,
    rc::Rc,
};

use entity::{
    event, event_participant, fold, membership, network, network_topic, place, source,
    statement::{AlternateNames, EvidenceKind},
    twinning,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, EntityTrait, NotSet, QueryFilter, TransactionTrait,
};

use super::records::{
    Dataset, EventRecord, EvidenceRecord, MembershipRecord, NetworkRecord, PlaceRecord,
    SourceRecord, TwinningRecord,
};
use crate::{
    domain::{
        Acronym, Count, CountryCode, Description, Latitude, Longitude, Name, Representative, Slug,
        Subject, Text, Title, Topics, Year,
    },
    error::AppError,
};

/// One thing wrong with the files: where, which field, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// `line 4` (CSV, or a file that does not parse) or `places[2]` (a record of TOML or JSON).
    pub location: String,
    pub field: String,
    pub reason: String,
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

/// A record with where it came from: the file's name and the place in it, formatted only when
/// a problem names it.
struct Located<'a, T> {
    file: &'a str,
    at: At,
    record: &'a T,
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

    fn iter(&self) -> impl Iterator<Item = Located<'_, T>> {
        self.parts.iter().flat_map(|part| {
            part.records
                .iter()
                .enumerate()
                .map(move |(index, record)| Located {
                    file: &part.file,
                    at: match part.lines.get(index) {
                        Some(line) => At::Line(*line),
                        None => At::Record(part.table, index),
                    },
                    record,
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
    memberships: Table<MembershipRecord>,
    events: Table<EventRecord>,
    twinnings: Table<TwinningRecord>,
}

/// Imports `files` into `db`; with `dry_run` everything is checked and counted, then rolled
/// back.
pub async fn import(
    db: &DatabaseConnection,
    files: &[impl AsRef<Path>],
    dry_run: bool,
) -> Result<Summary, ImportError> {
    let mut problems = Vec::new();
    let mut records = Records::default();
    for path in files {
        read_file(path.as_ref(), &mut records, &mut problems);
    }
    let txn = db.begin().await?;
    let existing = Existing::load(&txn).await?;
    validate(&records, &existing, &mut problems);
    if !problems.is_empty() {
        return Err(ImportError::Invalid(problems));
    }
    let summary = write(&txn, &records, existing).await?;
    // Written: the records are not needed while the search index is rebuilt from the tables.
    drop(records);
    if !summary.is_unchanged() {
        crate::service::search_index::reindex_all(&txn).await?;
        crate::changes::feed::log_bulk_write(&txn).await?;
    }
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(summary)
}

// ---- Reading ---------------------------------------------------------------------------------

const PLACES_HEADER: [&str; 7] = [
    "slug",
    "name",
    "kind",
    "country_code",
    "latitude",
    "longitude",
    "source",
];
const MEMBERSHIPS_HEADER: [&str; 6] = [
    "network",
    "place",
    "role",
    "since",
    "represented_by",
    "source",
];

fn read_file(path: &Path, records: &mut Records, problems: &mut Vec<Problem>) {
    let file = path.display().to_string();
    let problem = |location: &str, reason: String| Problem {
        file: file.clone(),
        location: location.to_owned(),
        field: String::new(),
        reason,
    };
    let unreadable = |err: std::io::Error| problem("file", format!("cannot read it: {err}"));
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let dataset = match extension.as_deref() {
        // Parsed as it is read, not held as one string as well (an export can be large).
        Some("json") => std::fs::File::open(path)
            .map_err(unreadable)
            .and_then(|reader| {
                serde_json::from_reader::<_, Dataset>(std::io::BufReader::new(reader))
                    .map_err(|err| problem(&format!("line {}", err.line()), err.to_string()))
            }),
        Some("toml") => std::fs::read_to_string(path)
            .map_err(unreadable)
            .and_then(|text| {
                toml::from_str::<Dataset>(&text).map_err(|err| {
                    let line = err
                        .span()
                        .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
                    let location = line.map_or("file".to_owned(), |line| format!("line {line}"));
                    problem(&location, err.message().to_owned())
                })
            }),
        Some("csv") => {
            match std::fs::read_to_string(path) {
                Ok(text) => read_csv(&file, &text, records, problems),
                Err(err) => problems.push(unreadable(err)),
            }
            return;
        }
        _ => Err(problem(
            "file",
            "not a .toml, .json or .csv file".to_owned(),
        )),
    };
    match dataset {
        Ok(dataset) => add_dataset(&file, dataset, records),
        Err(err) => problems.push(err),
    }
}

fn add_dataset(file: &str, dataset: Dataset, records: &mut Records) {
    let file: Rc<str> = file.into();
    records.sources.add(&file, "sources", dataset.sources);
    records.places.add(&file, "places", dataset.places);
    records.networks.add(&file, "networks", dataset.networks);
    records
        .memberships
        .add(&file, "memberships", dataset.memberships);
    records.events.add(&file, "events", dataset.events);
    records.twinnings.add(&file, "twinnings", dataset.twinnings);
}

fn read_csv(file: &str, text: &str, records: &mut Records, problems: &mut Vec<Problem>) {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(str::to_owned).collect(),
        Err(err) => {
            problems.push(Problem {
                file: file.to_owned(),
                location: "line 1".into(),
                field: String::new(),
                reason: err.to_string(),
            });
            return;
        }
    };
    let is_places = header == PLACES_HEADER;
    if !is_places && header != MEMBERSHIPS_HEADER {
        problems.push(Problem {
            file: file.to_owned(),
            location: "line 1".into(),
            field: String::new(),
            reason: format!(
                "the header is neither places ({}) nor memberships ({})",
                PLACES_HEADER.join(","),
                MEMBERSHIPS_HEADER.join(",")
            ),
        });
        return;
    }
    let shared: Rc<str> = file.into();
    let (mut places, mut memberships) = (Vec::new(), Vec::new());
    let mut lines = Vec::new();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(err) => {
                let line = err.position().map_or(0, csv::Position::line);
                problems.push(Problem {
                    file: file.to_owned(),
                    location: format!("line {line}"),
                    field: String::new(),
                    reason: err.to_string(),
                });
                continue;
            }
        };
        let line = row.position().map_or(0, csv::Position::line);
        let location = format!("line {line}");
        let mut cell = CsvRow {
            file,
            location: &location,
            row: &row,
            problems: &mut *problems,
        };
        if is_places {
            let record = PlaceRecord {
                slug: cell.text(0),
                name: cell.text(1),
                kind: cell.parsed(2, "kind").unwrap_or(place::PlaceKind::City),
                country_code: cell.optional(3),
                latitude: cell.number(4, "latitude"),
                longitude: cell.number(5, "longitude"),
                alternate_names: Vec::new(),
                source: cell.optional(6),
            };
            places.push(record);
        } else {
            let record = MembershipRecord {
                network: cell.text(0),
                place: cell.text(1),
                role: cell.parsed(2, "role").unwrap_or_default(),
                since: cell.number(3, "since"),
                represented_by: cell.optional(4),
                source: cell.optional(5),
                evidence: None,
            };
            memberships.push(record);
        }
        lines.push(line);
    }
    if is_places {
        records.places.parts.push(Part {
            file: shared,
            table: "places",
            records: places,
            lines,
        });
    } else {
        records.memberships.parts.push(Part {
            file: shared,
            table: "memberships",
            records: memberships,
            lines,
        });
    }
}

/// The cells of one CSV row, read as the records' fields.
struct CsvRow<'a> {
    file: &'a str,
    location: &'a str,
    row: &'a csv::StringRecord,
    problems: &'a mut Vec<Problem>,
}

impl CsvRow<'_> {
    fn text(&self, index: usize) -> String {
        self.row.get(index).unwrap_or_default().to_owned()
    }

    fn optional(&self, index: usize) -> Option<String> {
        self.row
            .get(index)
            .filter(|cell| !cell.is_empty())
            .map(str::to_owned)
    }

    /// A number, or nothing for an empty cell; a problem when it does not parse.
    fn number<T: std::str::FromStr>(&mut self, index: usize, field: &str) -> Option<T> {
        let cell = self.optional(index)?;
        match cell.parse() {
            Ok(value) => Some(value),
            Err(_) => {
                self.problem(field, format!("{cell:?} is not a number"));
                None
            }
        }
    }

    /// One of an enum's snake_case names (`city`, `co_founder`), or nothing for an empty cell.
    fn parsed<T: serde::de::DeserializeOwned>(&mut self, index: usize, field: &str) -> Option<T> {
        let cell = self.optional(index)?;
        use serde::de::IntoDeserializer;
        let name: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            cell.as_str().into_deserializer();
        match T::deserialize(name) {
            Ok(value) => Some(value),
            Err(_) => {
                self.problem(field, format!("{cell:?} is not a known {field}"));
                None
            }
        }
    }

    fn problem(&mut self, field: &str, reason: String) {
        self.problems.push(Problem {
            file: self.file.to_owned(),
            location: self.location.to_owned(),
            field: field.to_owned(),
            reason,
        });
    }
}

// ---- What is there already -------------------------------------------------------------------

/// The database's records, by their natural keys.
struct Existing {
    sources: HashMap<String, source::Model>,
    places: HashMap<String, place::Model>,
    networks: HashMap<String, network::Model>,
    topics: HashMap<i32, Vec<String>>,
    memberships: HashMap<(i32, i32), membership::Model>,
    /// By network, year, title and host: two events may share a title in one year elsewhere.
    events: HashMap<(i32, Option<i32>, String, Option<i32>), event::Model>,
    participants: HashMap<i32, HashSet<i32>>,
    twinnings: HashSet<(i32, i32)>,
}

impl Existing {
    async fn load(txn: &DatabaseTransaction) -> Result<Self, DbErr> {
        let topics = crate::loaders::topics::all_by_network(txn).await?;
        let mut participants: HashMap<i32, HashSet<i32>> = HashMap::new();
        for participant in event_participant::Entity::find().all(txn).await? {
            participants
                .entry(participant.event_id)
                .or_default()
                .insert(participant.place_id);
        }
        Ok(Self {
            sources: by_key(source::Entity::find().all(txn).await?, |s| s.key.clone()),
            places: by_key(place::Entity::find().all(txn).await?, |p| p.slug.clone()),
            networks: by_key(network::Entity::find().all(txn).await?, |n| n.slug.clone()),
            topics,
            memberships: by_key(membership::Entity::find().all(txn).await?, |m| {
                (m.network_id, m.place_id)
            }),
            events: by_key(event::Entity::find().all(txn).await?, |e| {
                (e.network_id, e.year, e.title.clone(), e.host_id)
            }),
            participants,
            twinnings: twinning::Entity::find()
                .all(txn)
                .await?
                .into_iter()
                .map(|t| (t.place_id, t.twin_id))
                .collect(),
        })
    }
}

fn by_key<K: std::hash::Hash + Eq, T>(rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, T> {
    rows.into_iter().map(|row| (key(&row), row)).collect()
}

// ---- Checking --------------------------------------------------------------------------------

/// Collects the problems of one record.
struct Check<'a> {
    file: &'a str,
    at: At,
    problems: &'a mut Vec<Problem>,
}

impl Check<'_> {
    fn problem(&mut self, field: &str, reason: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_owned(),
            location: self.at.to_string(),
            field: field.to_owned(),
            reason: reason.into(),
        });
    }

    /// Runs one of the domain's validators (the mutations' own) and records its complaint.
    fn valid<T>(&mut self, field: &str, result: Result<T, AppError>) {
        if let Err(err) = result {
            self.problem(field, err.message().to_owned());
        }
    }

    fn optional<T>(
        &mut self,
        field: &str,
        value: Option<T>,
        parse: impl FnOnce(T) -> Result<(), AppError>,
    ) {
        if let Some(value) = value {
            self.valid(field, parse(value));
        }
    }

    fn known(&mut self, field: &str, what: &str, key: &str, known: &HashSet<&str>) {
        if !known.contains(key) {
            self.problem(field, format!("unknown {what} {key:?}"));
        }
    }

    fn unique<K: std::hash::Hash + Eq>(&mut self, seen: &mut HashSet<K>, key: K, what: String) {
        if !seen.insert(key) {
            self.problem("", format!("{what} is given twice"));
        }
    }

    fn names(&mut self, field: &str, names: &[String]) {
        for name in names {
            self.valid(field, Name::parse(field, name));
        }
    }

    fn source(&mut self, source: &Option<String>, sources: &HashSet<&str>) {
        if let Some(source) = source {
            self.known("source", "source", source, sources);
        }
    }

    fn evidence(&mut self, evidence: &Option<EvidenceRecord>) {
        let Some(evidence) = evidence else {
            return;
        };
        match &evidence.quote {
            Some(quote) => self.valid(
                "evidence.quote",
                Description::parse("evidence.quote", quote),
            ),
            None if evidence.kind == EvidenceKind::Stated => self.problem(
                "evidence.quote",
                "stated evidence needs the sentence as its quote",
            ),
            None => {}
        }
    }
}

fn validate(records: &Records, existing: &Existing, problems: &mut Vec<Problem>) {
    // What references may name: the files' records and the database's.
    let sources: HashSet<&str> = records
        .sources
        .iter()
        .map(|s| s.record.key.as_str())
        .chain(existing.sources.keys().map(String::as_str))
        .collect();
    let places: HashSet<&str> = records
        .places
        .iter()
        .map(|p| p.record.slug.as_str())
        .chain(existing.places.keys().map(String::as_str))
        .collect();
    let networks: HashSet<&str> = records
        .networks
        .iter()
        .map(|n| n.record.slug.as_str())
        .chain(existing.networks.keys().map(String::as_str))
        .collect();

    let mut seen = HashSet::new();
    for Located { file, at, record } in records.sources.iter() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        check.valid("key", Slug::parse("key", &record.key));
        check.valid("title", Title::parse("title", &record.title));
        check.valid("publisher", Name::parse("publisher", &record.publisher));
        check.valid(
            "document",
            Text::<1_000>::parse("document", &record.document),
        );
        check.unique(&mut seen, &record.key, format!("source {:?}", record.key));
    }
    let mut seen = HashSet::new();
    for Located { file, at, record } in records.places.iter() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        check.valid("slug", Slug::parse("slug", &record.slug));
        check.valid("name", Name::parse("name", &record.name));
        check.optional("country_code", record.country_code.as_deref(), |code| {
            CountryCode::parse("country_code", code).map(drop)
        });
        check.optional("latitude", record.latitude, |value| {
            Latitude::parse("latitude", value).map(drop)
        });
        check.optional("longitude", record.longitude, |value| {
            Longitude::parse("longitude", value).map(drop)
        });
        check.names("alternate_names", &record.alternate_names);
        check.source(&record.source, &sources);
        check.unique(&mut seen, &record.slug, format!("place {:?}", record.slug));
    }
    let mut seen = HashSet::new();
    for Located { file, at, record } in records.networks.iter() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        check.valid("slug", Slug::parse("slug", &record.slug));
        check.valid("name", Name::parse("name", &record.name));
        check.optional("acronym", record.acronym.as_deref(), |text| {
            Acronym::parse("acronym", text).map(drop)
        });
        check.optional("description", record.description.as_deref(), |text| {
            Description::parse("description", text).map(drop)
        });
        check.valid("topics", Topics::parse("topics", &record.topics));
        check.optional("founded_year", record.founded_year, |year| {
            Year::parse("founded_year", year).map(drop)
        });
        if let Some(place) = &record.founded_in {
            check.known("founded_in", "place", place, &places);
        }
        check.optional("reported_member_count", record.reported_member_count, |n| {
            Count::parse("reported_member_count", n).map(drop)
        });
        if record.reported_member_count_qualifier.is_some()
            && record.reported_member_count.is_none()
        {
            check.problem(
                "reported_member_count_qualifier",
                "a qualifier needs reported_member_count",
            );
        }
        check.names("alternate_names", &record.alternate_names);
        check.source(&record.source, &sources);
        check.unique(
            &mut seen,
            &record.slug,
            format!("network {:?}", record.slug),
        );
    }
    let mut seen = HashSet::new();
    for Located { file, at, record } in records.memberships.iter() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        check.known("network", "network", &record.network, &networks);
        check.known("place", "place", &record.place, &places);
        check.optional("since", record.since, |year| {
            Year::parse("since", year).map(drop)
        });
        check.optional("represented_by", record.represented_by.as_deref(), |text| {
            Representative::parse("represented_by", text).map(drop)
        });
        check.source(&record.source, &sources);
        check.evidence(&record.evidence);
        check.unique(
            &mut seen,
            (&record.network, &record.place),
            format!(
                "the membership of {:?} in {:?}",
                record.place, record.network
            ),
        );
    }
    let mut seen = HashSet::new();
    for Located { file, at, record } in records.events.iter() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        check.valid("title", Title::parse("title", &record.title));
        check.optional("year", record.year, |year| {
            Year::parse("year", year).map(drop)
        });
        check.optional("topic", record.topic.as_deref(), |text| {
            Subject::parse("topic", text).map(drop)
        });
        check.known("network", "network", &record.network, &networks);
        if let Some(host) = &record.host {
            check.known("host", "place", host, &places);
        }
        let mut named = HashSet::new();
        for participant in &record.participants {
            check.known("participants", "place", participant, &places);
            if !named.insert(participant) {
                check.problem("participants", format!("{participant:?} is named twice"));
            }
        }
        check.optional(
            "reported_participant_count",
            record.reported_participant_count,
            |n| Count::parse("reported_participant_count", n).map(drop),
        );
        check.source(&record.source, &sources);
        check.evidence(&record.evidence);
        check.unique(
            &mut seen,
            (&record.network, record.year, &record.title, &record.host),
            format!("the event {:?} of {:?}", record.title, record.network),
        );
    }
    let mut seen = HashSet::new();
    for Located { file, at, record } in records.twinnings.iter() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        let [a, b] = &record.places;
        check.known("places", "place", a, &places);
        check.known("places", "place", b, &places);
        if a == b {
            check.problem("places", format!("{a:?} is twinned with itself"));
        }
        let pair = if a < b { (a, b) } else { (b, a) };
        check.unique(&mut seen, pair, format!("the twinning of {a:?} and {b:?}"));
        check.source(&record.source, &sources);
    }
}

// ---- Writing ---------------------------------------------------------------------------------

/// How many rows one multi-row insert carries (well under either backend's bound parameters).
const CHUNK: usize = 500;

async fn write(
    txn: &DatabaseTransaction,
    records: &Records,
    mut existing: Existing,
) -> Result<Summary, DbErr> {
    let mut summary = Summary::default();
    let sources = write_sources(txn, records, &existing, &mut summary.sources).await?;
    let source_id = |key: &Option<String>| key.as_ref().and_then(|key| sources.get(key).copied());
    let places = write_places(txn, records, &existing, &source_id, &mut summary.places).await?;
    let place_id = |slug: &str| places.get(slug).copied();
    let networks = write_networks(
        txn,
        records,
        &mut existing,
        &source_id,
        &place_id,
        &mut summary.networks,
    )
    .await?;
    let network_id = |slug: &str| networks.get(slug).copied();

    let mut new_memberships = Vec::new();
    for Located { record: m, .. } in records.memberships.iter() {
        let (Some(network), Some(place)) = (network_id(&m.network), place_id(&m.place)) else {
            continue;
        };
        let (evidence_kind, evidence_quote) = evidence_columns(&m.evidence);
        let row = membership::ActiveModel {
            id: NotSet,
            place_id: Set(place),
            network_id: Set(network),
            role: Set(m.role),
            since: Set(m.since),
            represented_by: Set(m.represented_by.clone()),
            source_id: Set(source_id(&m.source)),
            evidence_kind: Set(evidence_kind),
            evidence_quote: Set(evidence_quote),
        };
        match existing.memberships.get(&(network, place)) {
            None => {
                new_memberships.push(row);
                summary.memberships.created += 1;
                if new_memberships.len() == CHUNK {
                    membership::Entity::insert_many(std::mem::take(&mut new_memberships))
                        .exec(txn)
                        .await?;
                }
            }
            Some(old) => {
                let same = old.role == m.role
                    && old.since == m.since
                    && old.represented_by == m.represented_by
                    && old.source_id == source_id(&m.source)
                    && old.evidence_kind == evidence_kind
                    && old.evidence_quote == evidence_quote_of(&m.evidence);
                if same {
                    summary.memberships.unchanged += 1;
                } else {
                    membership::ActiveModel {
                        id: Set(old.id),
                        ..row
                    }
                    .update(txn)
                    .await?;
                    summary.memberships.updated += 1;
                }
            }
        }
    }
    for chunk in new_memberships.chunks(CHUNK) {
        membership::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }

    for Located { record: e, .. } in records.events.iter() {
        let Some(network) = network_id(&e.network) else {
            continue;
        };
        let host = e.host.as_deref().and_then(place_id);
        let participants: HashSet<i32> = e
            .participants
            .iter()
            .filter_map(|slug| place_id(slug))
            .collect();
        let (evidence_kind, evidence_quote) = evidence_columns(&e.evidence);
        let row = event::ActiveModel {
            id: NotSet,
            kind: Set(e.kind),
            title: Set(e.title.clone()),
            year: Set(e.year),
            topic: Set(e.topic.clone()),
            network_id: Set(network),
            host_id: Set(host),
            reported_participant_count: Set(e.reported_participant_count),
            source_id: Set(source_id(&e.source)),
            evidence_kind: Set(evidence_kind),
            evidence_quote: Set(evidence_quote),
        };
        let event_id = match existing
            .events
            .get(&(network, e.year, e.title.clone(), host))
        {
            None => {
                summary.events.created += 1;
                row.insert(txn).await?.id
            }
            Some(old) => {
                let same = old.kind == e.kind
                    && old.topic == e.topic
                    && old.reported_participant_count == e.reported_participant_count
                    && old.source_id == source_id(&e.source)
                    && old.evidence_kind == evidence_kind
                    && old.evidence_quote == evidence_quote_of(&e.evidence)
                    && existing
                        .participants
                        .get(&old.id)
                        .cloned()
                        .unwrap_or_default()
                        == participants;
                if same {
                    summary.events.unchanged += 1;
                    continue;
                }
                event::ActiveModel {
                    id: Set(old.id),
                    ..row
                }
                .update(txn)
                .await?;
                event_participant::Entity::delete_many()
                    .filter(event_participant::Column::EventId.eq(old.id))
                    .exec(txn)
                    .await?;
                summary.events.updated += 1;
                old.id
            }
        };
        let mut named: Vec<i32> = participants.into_iter().collect();
        named.sort_unstable();
        for place in named {
            event_participant::ActiveModel {
                event_id: Set(event_id),
                place_id: Set(place),
                source_id: Set(source_id(&e.source)),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }

    let mut new_twinnings = Vec::new();
    for Located { record: t, .. } in records.twinnings.iter() {
        let (Some(a), Some(b)) = (place_id(&t.places[0]), place_id(&t.places[1])) else {
            continue;
        };
        if existing.twinnings.contains(&(a, b)) && existing.twinnings.contains(&(b, a)) {
            summary.twinnings.unchanged += 1;
            continue;
        }
        summary.twinnings.created += 1;
        // A twinning is a row from either side.
        for (from, to) in [(a, b), (b, a)] {
            if existing.twinnings.insert((from, to)) {
                new_twinnings.push(twinning::ActiveModel {
                    place_id: Set(from),
                    twin_id: Set(to),
                    source_id: Set(source_id(&t.source)),
                    ..Default::default()
                });
            }
        }
    }
    for chunk in new_twinnings.chunks(CHUNK) {
        twinning::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    Ok(summary)
}

fn evidence_columns(evidence: &Option<EvidenceRecord>) -> (Option<EvidenceKind>, Option<String>) {
    (
        evidence.as_ref().map(|e| e.kind),
        evidence_quote_of(evidence),
    )
}

fn evidence_quote_of(evidence: &Option<EvidenceRecord>) -> Option<String> {
    evidence.as_ref().and_then(|e| e.quote.clone())
}

/// Sources by key; returns every key's id.
async fn write_sources(
    txn: &DatabaseTransaction,
    records: &Records,
    existing: &Existing,
    counts: &mut Counts,
) -> Result<HashMap<String, i32>, DbErr> {
    let mut ids: HashMap<String, i32> = existing
        .sources
        .iter()
        .map(|(key, s)| (key.clone(), s.id))
        .collect();
    for Located { record: s, .. } in records.sources.iter() {
        let row = source::ActiveModel {
            id: NotSet,
            key: Set(s.key.clone()),
            title: Set(s.title.clone()),
            publisher: Set(s.publisher.clone()),
            document: Set(s.document.clone()),
        };
        match existing.sources.get(&s.key) {
            None => {
                let id = row.insert(txn).await?.id;
                ids.insert(s.key.clone(), id);
                counts.created += 1;
            }
            Some(old)
                if old.title == s.title
                    && old.publisher == s.publisher
                    && old.document == s.document =>
            {
                counts.unchanged += 1;
            }
            Some(old) => {
                source::ActiveModel {
                    id: Set(old.id),
                    ..row
                }
                .update(txn)
                .await?;
                counts.updated += 1;
            }
        }
    }
    Ok(ids)
}

/// Places by slug; returns every slug's id.
async fn write_places(
    txn: &DatabaseTransaction,
    records: &Records,
    existing: &Existing,
    source_id: &impl Fn(&Option<String>) -> Option<i32>,
    counts: &mut Counts,
) -> Result<HashMap<String, i32>, DbErr> {
    let mut created = Vec::new();
    for Located { record: p, .. } in records.places.iter() {
        let row = place::ActiveModel {
            id: NotSet,
            slug: Set(p.slug.clone()),
            name: Set(p.name.clone()),
            name_folded: Set(fold(&p.name)),
            kind: Set(p.kind),
            country_code: Set(p.country_code.clone()),
            latitude: Set(p.latitude),
            longitude: Set(p.longitude),
            source_id: Set(source_id(&p.source)),
            alternate_names: Set(AlternateNames(p.alternate_names.clone())),
        };
        match existing.places.get(&p.slug) {
            None => {
                created.push(row);
                counts.created += 1;
                if created.len() == CHUNK {
                    place::Entity::insert_many(std::mem::take(&mut created))
                        .exec(txn)
                        .await?;
                }
            }
            Some(old) => {
                let same = old.name == p.name
                    && old.kind == p.kind
                    && old.country_code == p.country_code
                    && old.latitude == p.latitude
                    && old.longitude == p.longitude
                    && old.source_id == source_id(&p.source)
                    && old.alternate_names.0 == p.alternate_names;
                if same {
                    counts.unchanged += 1;
                } else {
                    place::ActiveModel {
                        id: Set(old.id),
                        ..row
                    }
                    .update(txn)
                    .await?;
                    counts.updated += 1;
                }
            }
        }
    }
    if !created.is_empty() {
        place::Entity::insert_many(created).exec(txn).await?;
    }
    let mut ids: HashMap<String, i32> = existing
        .places
        .iter()
        .map(|(slug, p)| (slug.clone(), p.id))
        .collect();
    if counts.created > 0 {
        let slugs: Vec<String> = records
            .places
            .iter()
            .filter(|p| !existing.places.contains_key(&p.record.slug))
            .map(|p| p.record.slug.clone())
            .collect();
        for chunk in slugs.chunks(CHUNK) {
            for row in place::Entity::find()
                .filter(place::Column::Slug.is_in(chunk.iter().cloned()))
                .all(txn)
                .await?
            {
                ids.insert(row.slug, row.id);
            }
        }
    }
    Ok(ids)
}

/// Networks by slug, with their topics; returns every slug's id.
async fn write_networks(
    txn: &DatabaseTransaction,
    records: &Records,
    existing: &mut Existing,
    source_id: &impl Fn(&Option<String>) -> Option<i32>,
    place_id: &impl Fn(&str) -> Option<i32>,
    counts: &mut Counts,
) -> Result<HashMap<String, i32>, DbErr> {
    let mut ids: HashMap<String, i32> = existing
        .networks
        .iter()
        .map(|(slug, n)| (slug.clone(), n.id))
        .collect();
    for Located { record: n, .. } in records.networks.iter() {
        let founded_in = n.founded_in.as_deref().and_then(place_id);
        let row = network::ActiveModel {
            id: NotSet,
            slug: Set(n.slug.clone()),
            name: Set(n.name.clone()),
            name_folded: Set(fold(&n.name)),
            acronym: Set(n.acronym.clone()),
            description: Set(n.description.clone()),
            founded_year: Set(n.founded_year),
            founded_in_id: Set(founded_in),
            reported_member_count: Set(n.reported_member_count),
            reported_member_count_qualifier: Set(n.reported_member_count_qualifier),
            alternate_names: Set(AlternateNames(n.alternate_names.clone())),
            source_id: Set(source_id(&n.source)),
        };
        let id = match existing.networks.get(&n.slug) {
            None => {
                counts.created += 1;
                let id = row.insert(txn).await?.id;
                ids.insert(n.slug.clone(), id);
                id
            }
            Some(old) => {
                let same = old.name == n.name
                    && old.acronym == n.acronym
                    && old.description == n.description
                    && old.founded_year == n.founded_year
                    && old.founded_in_id == founded_in
                    && old.reported_member_count == n.reported_member_count
                    && old.reported_member_count_qualifier == n.reported_member_count_qualifier
                    && old.alternate_names.0 == n.alternate_names
                    && old.source_id == source_id(&n.source)
                    && existing.topics.get(&old.id).cloned().unwrap_or_default() == n.topics;
                if same {
                    counts.unchanged += 1;
                    continue;
                }
                network::ActiveModel {
                    id: Set(old.id),
                    ..row
                }
                .update(txn)
                .await?;
                network_topic::Entity::delete_many()
                    .filter(network_topic::Column::NetworkId.eq(old.id))
                    .exec(txn)
                    .await?;
                counts.updated += 1;
                old.id
            }
        };
        for (position, topic) in n.topics.iter().enumerate() {
            network_topic::ActiveModel {
                network_id: Set(id),
                topic: Set(topic.clone()),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(ids)
}
