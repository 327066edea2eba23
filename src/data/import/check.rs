//! Checking the records with the mutations' own validators (`crate::domain`), references
//! across the files and the database, and duplicates: every problem, with where it is.

use std::collections::HashSet;

use super::{existing::Existing, At, Located, Problem, Records};
use crate::{
    data::records::EvidenceRecord,
    domain::{
        Acronym, AlternateNameList, Count, CountryCode, Description, Evidence, Latitude, Longitude,
        Name, Representative, Slug, Subject, Text, Title, Topics, Year,
    },
    error::AppError,
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

    fn names(&mut self, field: &str, names: &[String]) {
        self.valid(field, AlternateNameList::parse(field, names));
    }

    fn source(&mut self, source: Option<&str>, sources: &HashSet<&str>) {
        if let Some(source) = source {
            self.known("source", "source", source, sources);
        }
    }

    fn evidence(&mut self, evidence: Option<&EvidenceRecord>) {
        if let Some(evidence) = evidence {
            self.valid(
                "evidence",
                Evidence::parse("evidence", evidence.kind, evidence.quote.as_deref()),
            );
        }
    }
}

pub(super) fn validate(records: &Records, existing: &Existing, problems: &mut Vec<Problem>) {
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
        check.unique(&mut seen, &record.key, || {
            format!("source {:?}", record.key)
        });
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
        check.source(record.source.as_deref(), &sources);
        check.unique(&mut seen, &record.slug, || {
            format!("place {:?}", record.slug)
        });
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
        check.source(record.source.as_deref(), &sources);
        check.unique(&mut seen, &record.slug, || {
            format!("network {:?}", record.slug)
        });
    }
    let mut seen = HashSet::new();
    let slugs = &records.slugs;
    for Located { file, at, record } in records.memberships.iter() {
        let mut check = Check {
            file,
            at,
            problems: &mut *problems,
        };
        let (network, place) = (slugs.name(record.network), slugs.name(record.place));
        check.known("network", "network", network, &networks);
        check.known("place", "place", place, &places);
        check.optional("since", record.since, |year| {
            Year::parse("since", year).map(drop)
        });
        check.optional("represented_by", record.represented_by(), |text| {
            Representative::parse("represented_by", text).map(drop)
        });
        check.source(record.source.map(|key| slugs.name(key)), &sources);
        check.evidence(record.evidence());
        check.unique(&mut seen, (record.network, record.place), || {
            format!("the membership of {place:?} in {network:?}")
        });
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
        check.source(record.source.as_deref(), &sources);
        check.evidence(record.evidence.as_ref());
        check.unique(
            &mut seen,
            (&record.network, record.year, &record.title, &record.host),
            || format!("the event {:?} of {:?}", record.title, record.network),
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
        check.unique(&mut seen, pair, || {
            format!("the twinning of {a:?} and {b:?}")
        });
        check.source(record.source.as_deref(), &sources);
    }
}
