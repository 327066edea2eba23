//! Reading the files: TOML and JSON in the shape of [`Dataset`](crate::data::records::Dataset),
//! with the memberships made compact as they are parsed, and CSV by its header.

use std::{collections::HashSet, fmt, fs::File, io::BufReader, rc::Rc};

use entity::place;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{
    rows::{MembershipRow, Slugs},
    Input, Part, Problem, Records,
};
use crate::data::records::{
    EventRecord, MembershipRecord, NetworkRecord, PlaceRecord, SourceRecord, TwinningRecord,
};

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

pub(super) fn read(input: Input<'_>, records: &mut Records, problems: &mut Vec<Problem>) {
    let parsed = match input {
        Input::Toml { name, text } => parse_toml(name, text, &mut records.slugs),
        Input::File(path) => {
            let file = path.display().to_string();
            let unreadable = |err: std::io::Error| {
                Problem::in_file(&file, "file", format!("cannot read it: {err}"))
            };
            let extension = path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            match extension.as_deref() {
                // Parsed as it is read, not held as one string as well (an export can be large).
                Some("json") => File::open(path).map_err(unreadable).and_then(|reader| {
                    parse_json(&file, BufReader::new(reader), &mut records.slugs)
                }),
                Some("toml") => read_toml(path, &file)
                    .and_then(|text| parse_toml(&file, &text, &mut records.slugs)),
                Some("csv") => {
                    match File::open(path) {
                        Ok(reader) => read_csv(&file, BufReader::new(reader), records, problems),
                        Err(err) => problems.push(unreadable(err)),
                    }
                    return;
                }
                _ => Err(Problem::in_file(
                    &file,
                    "file",
                    "not a .toml, .json or .csv file".to_owned(),
                )),
            }
        }
    };
    match parsed {
        Ok((file, parsed)) => parsed.add_to(&file, records),
        Err(problem) => problems.push(problem),
    }
}

/// The most bytes a TOML file may have. TOML is parsed whole into a document before its records
/// are read (tens of times its size in memory), unlike JSON and CSV, which are read as they
/// stream; it is the format of hand-edited files, and large data goes as JSON or CSV.
pub const MAX_TOML_BYTES: u64 = 4 * 1024 * 1024;

/// A TOML file's text, read only up to [`MAX_TOML_BYTES`] (whatever its length claims).
fn read_toml(path: &std::path::Path, file: &str) -> Result<String, Problem> {
    use std::io::Read;
    let unreadable =
        |err: std::io::Error| Problem::in_file(file, "file", format!("cannot read it: {err}"));
    let mut text = String::new();
    File::open(path)
        .and_then(|reader| reader.take(MAX_TOML_BYTES + 1).read_to_string(&mut text))
        .map_err(unreadable)?;
    if text.len() as u64 > MAX_TOML_BYTES {
        return Err(Problem::in_file(
            file,
            "file",
            format!(
                "a TOML file may have at most {MAX_TOML_BYTES} bytes (it is parsed whole); \
                 import large data as JSON or CSV, which are read as they stream"
            ),
        ));
    }
    Ok(text)
}

fn parse_json(
    file: &str,
    reader: impl std::io::Read,
    slugs: &mut Slugs,
) -> Result<(Rc<str>, FileRecords), Problem> {
    let mut json = serde_json::Deserializer::from_reader(reader);
    FileSeed { slugs }
        .deserialize(&mut json)
        .and_then(|parsed| json.end().map(|()| (file.into(), parsed)))
        .map_err(|err| Problem::in_file(file, &format!("line {}", err.line()), err.to_string()))
}

fn parse_toml(
    file: &str,
    text: &str,
    slugs: &mut Slugs,
) -> Result<(Rc<str>, FileRecords), Problem> {
    toml::Deserializer::parse(text)
        .and_then(|toml| FileSeed { slugs }.deserialize(toml))
        .map(|parsed| (file.into(), parsed))
        .map_err(|err| {
            let line = err
                .span()
                .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
            let location = line.map_or("file".to_owned(), |line| format!("line {line}"));
            Problem::in_file(file, &location, err.message().to_owned())
        })
}

/// One TOML or JSON file's records, kept apart until the whole file has parsed (a file that
/// does not parse adds nothing).
#[derive(Default)]
struct FileRecords {
    sources: Vec<SourceRecord>,
    places: Vec<PlaceRecord>,
    networks: Vec<NetworkRecord>,
    memberships: Vec<MembershipRow>,
    events: Vec<EventRecord>,
    twinnings: Vec<TwinningRecord>,
}

impl FileRecords {
    fn add_to(self, file: &Rc<str>, records: &mut Records) {
        records.sources.add(file, "sources", self.sources);
        records.places.add(file, "places", self.places);
        records.networks.add(file, "networks", self.networks);
        records
            .memberships
            .add(file, "memberships", self.memberships);
        records.events.add(file, "events", self.events);
        records.twinnings.add(file, "twinnings", self.twinnings);
    }
}

/// The tables a file may hold: the export's plural keys, or a seed file's singular ones
/// (`[[place]]`).
const TABLES: &[&str] = &[
    "sources",
    "places",
    "networks",
    "memberships",
    "events",
    "twinnings",
];

fn table_named(key: &str) -> Option<&'static str> {
    TABLES
        .iter()
        .find(|table| key == **table || Some(key) == table.strip_suffix('s'))
        .copied()
}

/// Reads a file of the [`Dataset`](crate::data::records::Dataset) shape into [`FileRecords`],
/// interning the memberships' references as each record is read.
struct FileSeed<'a> {
    slugs: &'a mut Slugs,
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = FileRecords;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<FileRecords, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = FileRecords;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of tables: sources, places, networks, memberships, events, twinnings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FileRecords, A::Error> {
        let mut records = FileRecords::default();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let table = table_named(&key).ok_or_else(|| de::Error::unknown_field(&key, TABLES))?;
            if !seen.insert(table) {
                return Err(de::Error::duplicate_field(table));
            }
            match table {
                "sources" => records.sources = map.next_value()?,
                "places" => records.places = map.next_value()?,
                "networks" => records.networks = map.next_value()?,
                "memberships" => {
                    records.memberships = map.next_value_seed(Memberships {
                        slugs: &mut *self.slugs,
                    })?;
                }
                "events" => records.events = map.next_value()?,
                _ => records.twinnings = map.next_value()?,
            }
        }
        Ok(records)
    }
}

/// A list of membership records, each made a [`MembershipRow`] as soon as it is read.
struct Memberships<'a> {
    slugs: &'a mut Slugs,
}

impl<'de> DeserializeSeed<'de> for Memberships<'_> {
    type Value = Vec<MembershipRow>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Memberships<'_> {
    type Value = Vec<MembershipRow>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of memberships")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4_096));
        while let Some(record) = seq.next_element::<MembershipRecord>()? {
            rows.push(MembershipRow::new(record, self.slugs));
        }
        Ok(rows)
    }
}

fn read_csv(
    file: &str,
    reader: impl std::io::Read,
    records: &mut Records,
    problems: &mut Vec<Problem>,
) {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
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
                // CSV has no column for them: an update keeps what is stored.
                alternate_names: None,
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
            memberships.push(MembershipRow::new(record, &mut records.slugs));
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
