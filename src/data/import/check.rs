//! Checking the records with the mutations' own validators (`crate::domain`), references
//! across the files and the database, and duplicates: every problem, with where it is. What a
//! validator parses is put back into the record (a country code in capitals, topics in lower
//! case, names trimmed), so that the rows written are those a mutation would write with the
//! same input.

use std::collections::HashSet;

use super::{existing::Existing, At, Problem, Records};
use crate::{
    data::records::EvidenceRecord,
    domain::{
        Acronym, AlternateNameList, Count, CountryCode, Description, Evidence, Latitude, Longitude,
        Name, Representative, Slug, Subject, Text, Title, Topics, Year,
    },
    error::AppError,
    service::rules,
};

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
    /// The error names the exact field where it can (`alternate_names[1]`, `evidence.quote`).
    fn valid<T>(&mut self, field: &str, result: Result<T, AppError>) {
        if let Err(err) = result {
            let field = err.field().unwrap_or(field).to_owned();
            self.problem(&field, err.message().to_owned());
        }
    }

    /// The value a validator parsed, or `None` with its complaint recorded.
    fn parsed<T>(&mut self, field: &str, result: Result<T, AppError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.valid::<()>(field, Err(err));
                None
            }
        }
    }

    /// Replaces `text` with what `parse` makes of it (when it is valid).
    fn text<T>(
        &mut self,
        field: &str,
        text: &mut String,
        parse: impl FnOnce(&str, &str) -> Result<T, AppError>,
        into: impl FnOnce(T) -> String,
    ) {
        if let Some(value) = self.parsed(field, parse(field, text)) {
            *text = into(value);
        }
    }

    /// Like [`text`](Self::text), for a text that may be left out.
    fn optional_text<T>(
        &mut self,
        field: &str,
        text: &mut Option<String>,
        parse: impl FnOnce(&str, &str) -> Result<T, AppError>,
        into: impl FnOnce(T) -> String,
    ) {
        if let Some(value) = text {
            self.text(field, value, parse, into);
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

    /// `what` names the record in a problem; it is formatted only for a duplicate.
    fn unique<K: std::hash::Hash + Eq>(
        &mut self,
        seen: &mut HashSet<K>,
        key: K,
        what: impl FnOnce() -> String,
    ) {
        if !seen.insert(key) {
            self.problem("", format!("{} is given twice", what()));
        }
    }

    /// Other names, when the record states them: replaced by their parsed form.
    fn names(&mut self, field: &str, names: &mut Option<Vec<String>>) {
        if let Some(list) = names {
            if let Some(parsed) = self.parsed(field, AlternateNameList::parse(field, list)) {
                *list = parsed.to_strings();
            }
        }
    }

    fn source(&mut self, source: Option<&str>, sources: &HashSet<&str>) {
        if let Some(source) = source {
            self.known("source", "source", source, sources);
        }
    }

    /// Evidence, when the record states it: its quote replaced by its parsed form.
    fn evidence(&mut self, evidence: &mut Option<EvidenceRecord>) {
        if let Some(evidence) = evidence {
            let parsed = Evidence::parse("evidence", evidence.kind, evidence.quote.as_deref());
            if let Some(parsed) = self.parsed("evidence", parsed) {
                evidence.quote = parsed.into_columns().1;
            }
        }
    }
}

/// Checks every record, puts what the validators parsed back into it, and collects the
/// problems.
pub(super) fn validate(records: &mut Records, existing: &Existing, problems: &mut Vec<Problem>) {
    // What references may name: the files' records and the database's.
    let sources: HashSet<String> = records
        .sources
        .iter()
        .map(|s| s.key.clone())
        .chain(existing.sources.keys().cloned())
        .collect();
    let places: HashSet<String> = records
        .places
        .iter()
        .map(|p| p.slug.clone())
        .chain(existing.places.keys().cloned())
        .collect();
    let networks: HashSet<String> = records
        .networks
        .iter()
        .map(|n| n.slug.clone())
        .chain(existing.networks.keys().cloned())
        .collect();
    let known = Known {
        sources: sources.iter().map(String::as_str).collect(),
        places: places.iter().map(String::as_str).collect(),
        networks: networks.iter().map(String::as_str).collect(),
    };
    check_sources(records, problems);
    check_places(records, &known, problems);
    check_networks(records, &known, problems);
    check_memberships(records, &known, problems);
    check_events(records, &known, problems);
    check_twinnings(records, &known, problems);
}

/// The keys and slugs references may name.
struct Known<'a> {
    sources: HashSet<&'a str>,
    places: HashSet<&'a str>,
    networks: HashSet<&'a str>,
}

fn check_sources(records: &mut Records, problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for (file, at, record) in records.sources.iter_mut() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        check.valid("key", Slug::parse("key", &record.key));
        check.text("title", &mut record.title, Title::parse, Title::into_inner);
        check.text(
            "publisher",
            &mut record.publisher,
            Name::parse,
            Name::into_inner,
        );
        check.text(
            "document",
            &mut record.document,
            Text::<1_000>::parse,
            Text::into_inner,
        );
        let key = record.key.clone();
        check.unique(&mut seen, key, || format!("source {:?}", record.key));
    }
}

fn check_places(records: &mut Records, known: &Known<'_>, problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for (file, at, record) in records.places.iter_mut() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        check.valid("slug", Slug::parse("slug", &record.slug));
        check.text("name", &mut record.name, Name::parse, Name::into_inner);
        check.optional_text(
            "country_code",
            &mut record.country_code,
            CountryCode::parse,
            CountryCode::into_inner,
        );
        check.optional("latitude", record.latitude, |value| {
            Latitude::parse("latitude", value).map(drop)
        });
        check.optional("longitude", record.longitude, |value| {
            Longitude::parse("longitude", value).map(drop)
        });
        check.names("alternate_names", &mut record.alternate_names);
        check.source(record.source.as_deref(), &known.sources);
        let slug = record.slug.clone();
        check.unique(&mut seen, slug, || format!("place {:?}", record.slug));
    }
}

fn check_networks(records: &mut Records, known: &Known<'_>, problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for (file, at, record) in records.networks.iter_mut() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        check.valid("slug", Slug::parse("slug", &record.slug));
        check.text("name", &mut record.name, Name::parse, Name::into_inner);
        check.optional_text(
            "acronym",
            &mut record.acronym,
            Acronym::parse,
            Acronym::into_inner,
        );
        check.optional_text(
            "description",
            &mut record.description,
            Description::parse,
            Description::into_inner,
        );
        if let Some(topics) = &mut record.topics {
            if let Some(parsed) = check.parsed("topics", Topics::parse("topics", topics)) {
                *topics = parsed.to_strings();
            }
        }
        check.optional("founded_year", record.founded_year, |year| {
            Year::parse("founded_year", year).map(drop)
        });
        if let Some(place) = &record.founded_in {
            check.known("founded_in", "place", place, &known.places);
        }
        check.optional("reported_member_count", record.reported_member_count, |n| {
            Count::parse("reported_member_count", n).map(drop)
        });
        let counted = rules::qualifier_needs_count(
            record.reported_member_count,
            record.reported_member_count_qualifier,
        );
        if let Err(reason) = counted {
            check.problem(
                "reported_member_count_qualifier",
                format!("{reason} (reported_member_count)"),
            );
        }
        check.names("alternate_names", &mut record.alternate_names);
        check.source(record.source.as_deref(), &known.sources);
        let slug = record.slug.clone();
        check.unique(&mut seen, slug, || format!("network {:?}", record.slug));
    }
}

fn check_memberships(records: &mut Records, known: &Known<'_>, problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    let slugs = &records.slugs;
    for (file, at, record) in records.memberships.iter_mut() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        let (network, place) = (slugs.name(record.network), slugs.name(record.place));
        check.known("network", "network", network, &known.networks);
        check.known("place", "place", place, &known.places);
        check.optional("since", record.since, |year| {
            Year::parse("since", year).map(drop)
        });
        let mut represented_by = record.represented_by().map(str::to_owned);
        check.optional_text(
            "represented_by",
            &mut represented_by,
            Representative::parse,
            Representative::into_inner,
        );
        check.source(record.source.map(|key| slugs.name(key)), &known.sources);
        let mut evidence = record.evidence().cloned();
        check.evidence(&mut evidence);
        if record.represented_by() != represented_by.as_deref()
            || record.evidence() != evidence.as_ref()
        {
            record.set_details(represented_by, evidence);
        }
        check.unique(
            &mut seen,
            rules::membership_key(record.place, record.network),
            || format!("the membership of {place:?} in {network:?}"),
        );
    }
}

fn check_events(records: &mut Records, known: &Known<'_>, problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for (file, at, record) in records.events.iter_mut() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        check.text("title", &mut record.title, Title::parse, Title::into_inner);
        check.optional("year", record.year, |year| {
            Year::parse("year", year).map(drop)
        });
        check.optional_text(
            "topic",
            &mut record.topic,
            Subject::parse,
            Subject::into_inner,
        );
        check.known("network", "network", &record.network, &known.networks);
        if let Some(host) = &record.host {
            check.known("host", "place", host, &known.places);
        }
        let mut named = HashSet::new();
        for participant in record.participants.iter().flatten() {
            check.known("participants", "place", participant, &known.places);
            if !named.insert(participant) {
                check.problem("participants", format!("{participant:?} is named twice"));
            }
        }
        check.optional(
            "reported_participant_count",
            record.reported_participant_count,
            |n| Count::parse("reported_participant_count", n).map(drop),
        );
        check.source(record.source.as_deref(), &known.sources);
        check.evidence(&mut record.evidence);
        let key = rules::event_key(
            record.network.clone(),
            record.year,
            &record.title,
            record.host.clone(),
        );
        check.unique(&mut seen, key, || {
            format!("the event {:?} of {:?}", record.title, record.network)
        });
    }
}

fn check_twinnings(records: &mut Records, known: &Known<'_>, problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for (file, at, record) in records.twinnings.iter_mut() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        let [a, b] = &record.places;
        check.known("places", "place", a, &known.places);
        check.known("places", "place", b, &known.places);
        if let Err(reason) = rules::twins_differ(a, b) {
            check.problem("places", format!("{reason}: {a:?}"));
        }
        let pair = rules::twinning_key(a.clone(), b.clone());
        check.unique(&mut seen, pair, || {
            format!("the twinning of {a:?} and {b:?}")
        });
        check.source(record.source.as_deref(), &known.sources);
    }
}
