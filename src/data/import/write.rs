//! Writing the checked records in the import's transaction: each matched by its natural key
//! and created, updated or left unchanged; new rows inserted in chunks. Rows are built and
//! written by `service::rows`, as the mutations' are; a record is unchanged when the row it
//! builds equals the stored one's. What a record leaves out (other names, topics, participants
//! or evidence: CSV cannot state them at all) keeps the stored value.

use std::collections::{HashMap, HashSet};

use entity::event;
use sea_orm::{DatabaseTransaction, DbErr};

use super::{existing::Existing, rows::MembershipRow, Counts, Records, Summary};
use crate::{
    changes::{Action, Change, BACKLOG},
    data::records::{EventRecord, EvidenceRecord},
    service::{
        rows::{
            self, EventValues, MembershipValues, NetworkValues, PlaceValues, SourceValues, CHUNK,
        },
        rules,
    },
};

/// Writes `records` over `existing` in `txn`; what changed is counted in the summary and handed
/// to `announced` for the subscribers.
pub(super) async fn write(
    txn: &DatabaseTransaction,
    records: &Records,
    mut existing: Existing,
    announced: &mut Announcements,
) -> Result<Summary, DbErr> {
    let mut summary = Summary::default();
    let sources = write_sources(txn, records, &existing, &mut summary.sources).await?;
    let source_id = |key: Option<&str>| key.and_then(|key| sources.get(key).copied());
    let places = write_places(
        txn,
        records,
        &existing,
        &source_id,
        &mut summary.places,
        announced,
    )
    .await?;
    let place_id = |slug: &str| places.get(slug).copied();
    let networks = write_networks(
        txn,
        records,
        &existing,
        &source_id,
        &place_id,
        &mut summary.networks,
        announced,
    )
    .await?;
    let network_id = |slug: &str| networks.get(slug).copied();

    // Memberships are most of a large file and of a large database: they are matched a chunk
    // at a time, never all loaded.
    let mut chunk = Vec::with_capacity(CHUNK);
    for m in records.memberships.iter() {
        let slugs = &records.slugs;
        let (Some(network), Some(place)) = (
            network_id(slugs.name(m.network)),
            place_id(slugs.name(m.place)),
        ) else {
            continue;
        };
        let source = source_id(m.source.map(|key| slugs.name(key)));
        chunk.push(Membership {
            network,
            place,
            source,
            row: m,
        });
        if chunk.len() == CHUNK {
            write_memberships(txn, &chunk, &mut summary.memberships, announced).await?;
            chunk.clear();
        }
    }
    write_memberships(txn, &chunk, &mut summary.memberships, announced).await?;

    for e in records.events.iter() {
        let Some(network) = network_id(&e.network) else {
            continue;
        };
        write_event(
            txn,
            e,
            network,
            &source_id,
            &place_id,
            &mut existing,
            &mut summary.events,
            announced,
        )
        .await?;
    }

    let mut new_twinnings = Vec::new();
    for t in records.twinnings.iter() {
        let (Some(a), Some(b)) = (place_id(&t.places[0]), place_id(&t.places[1])) else {
            continue;
        };
        if existing.twinnings.contains(&(a, b)) && existing.twinnings.contains(&(b, a)) {
            summary.twinnings.unchanged += 1;
            continue;
        }
        summary.twinnings.created += 1;
        // A twinning is a row from either side: the sides missing are written.
        for (from, to) in [(a, b), (b, a)] {
            if existing.twinnings.insert((from, to)) {
                new_twinnings.push((from, to, source_id(t.source.as_deref())));
            }
        }
    }
    rows::insert_twinning_rows(txn, new_twinnings).await?;
    Ok(summary)
}

/// One event: created, or updated where the row it builds (or its participants) differ.
#[allow(clippy::too_many_arguments)]
async fn write_event(
    txn: &DatabaseTransaction,
    e: &EventRecord,
    network: i32,
    source_id: &impl Fn(Option<&str>) -> Option<i32>,
    place_id: &impl Fn(&str) -> Option<i32>,
    existing: &mut Existing,
    counts: &mut Counts,
    announced: &mut Announcements,
) -> Result<(), DbErr> {
    let host = e.host.as_deref().and_then(place_id);
    let source = source_id(e.source.as_deref());
    let stated: Option<HashSet<i32>> = e
        .participants
        .as_ref()
        .map(|named| named.iter().filter_map(|slug| place_id(slug)).collect());
    let old = existing
        .events
        .get(&rules::event_key(network, e.year, &e.title, host));
    let values = EventValues {
        network_id: network,
        kind: e.kind,
        title: e.title.clone(),
        year: e.year,
        topic: e.topic.clone(),
        host_id: host,
        reported_participant_count: e.reported_participant_count,
        evidence: match (&e.evidence, old) {
            (None, Some(old)) => (old.evidence_kind, old.evidence_quote.clone()),
            (evidence, _) => evidence_columns(evidence.as_ref()),
        },
        source_id: source,
    };
    let Some(old) = old else {
        let participants = stated.unwrap_or_default();
        let created = rows::insert_event(txn, values).await?;
        announced.event(Action::Created, &created, host, &participants, None);
        rows::insert_participants(txn, sorted(&participants).map(|p| (created.id, p, source)))
            .await?;
        counts.created += 1;
        return Ok(());
    };
    let before = existing
        .participants
        .get(&old.id)
        .cloned()
        .unwrap_or_default();
    let participants = stated.unwrap_or_else(|| before.clone());
    if EventValues::of(old) == values && participants == before {
        counts.unchanged += 1;
        return Ok(());
    }
    let id = old.id;
    let updated = rows::update_event(txn, id, values).await?;
    announced.event(
        Action::Updated,
        &updated,
        host,
        &participants,
        Some(&before),
    );
    // The participations are rows of their own: rewritten only when the places changed.
    if participants != before {
        let places: Vec<i32> = sorted(&participants).collect();
        rows::replace_participants(txn, id, &places, source).await?;
    }
    counts.updated += 1;
    Ok(())
}

/// Ids in ascending order (rows are written in a stable order).
fn sorted(ids: &HashSet<i32>) -> impl Iterator<Item = i32> {
    let mut ids: Vec<i32> = ids.iter().copied().collect();
    ids.sort_unstable();
    ids.into_iter()
}

/// What an import announces to subscribers: each change while there are at most
/// [`BACKLOG`] of them (as a mutation would); past that, only that there was a bulk write, after
/// which subscribers re-read. Collecting stops at the bound, so a large import holds none.
#[derive(Default)]
pub(super) struct Announcements {
    changes: Vec<Change>,
    overflowed: bool,
}

impl Announcements {
    /// False once there are too many changes to announce one by one.
    pub(super) fn is_listening(&self) -> bool {
        !self.overflowed
    }

    fn push(&mut self, change: Change) {
        if self.overflowed {
            return;
        }
        if self.changes.len() == BACKLOG {
            self.overflowed = true;
            self.changes = Vec::new();
        } else {
            self.changes.push(change);
        }
    }

    /// An event created or updated, concerning its places and network before and after.
    fn event(
        &mut self,
        action: Action,
        event: &event::Model,
        host: Option<i32>,
        participants: &HashSet<i32>,
        before: Option<&HashSet<i32>>,
    ) {
        if self.overflowed {
            return;
        }
        let mut place_ids: Vec<i32> = participants
            .iter()
            .chain(before.into_iter().flatten())
            .copied()
            .chain(host)
            .collect();
        place_ids.sort_unstable();
        place_ids.dedup();
        self.push(Change::Event {
            action,
            event: event.clone(),
            place_ids,
            network_ids: vec![event.network_id],
        });
    }

    /// The changes to log: each one, or the bulk-write marker.
    pub(super) fn into_changes(self) -> Vec<Change> {
        if self.overflowed {
            vec![Change::Overflow]
        } else {
            self.changes
        }
    }
}

/// A membership of the files with its references resolved to ids.
struct Membership<'a> {
    network: i32,
    place: i32,
    source: Option<i32>,
    row: &'a MembershipRow,
}

/// Writes one chunk of memberships: those there already are read by their (place, network)
/// pairs in one statement, then updated where they differ; the new ones are inserted together.
async fn write_memberships(
    txn: &DatabaseTransaction,
    chunk: &[Membership<'_>],
    counts: &mut Counts,
    announced: &mut Announcements,
) -> Result<(), DbErr> {
    if chunk.is_empty() {
        return Ok(());
    }
    let existing =
        rows::memberships_of_pairs(txn, chunk.iter().map(|m| (m.place, m.network))).await?;
    let mut created = Vec::new();
    for &Membership {
        network,
        place,
        source,
        row: m,
    } in chunk
    {
        let old = existing.get(&rules::membership_key(place, network));
        let values = MembershipValues {
            place_id: place,
            network_id: network,
            role: m.role,
            since: m.since,
            represented_by: m.represented_by().map(str::to_owned),
            source_id: source,
            evidence: match (m.evidence(), old) {
                (None, Some(old)) => (old.evidence_kind, old.evidence_quote.clone()),
                (evidence, _) => evidence_columns(evidence),
            },
        };
        match old {
            Some(old) if MembershipValues::of(old) == values => counts.unchanged += 1,
            Some(old) => {
                let membership = rows::update_membership(txn, old.id, values).await?;
                announced.push(Change::Membership {
                    action: Action::Updated,
                    membership,
                });
                counts.updated += 1;
            }
            None => {
                created.push(values);
                counts.created += 1;
            }
        }
    }
    let listening = announced.is_listening();
    for membership in rows::insert_memberships(txn, created, listening).await? {
        announced.push(Change::Membership {
            action: Action::Created,
            membership,
        });
    }
    Ok(())
}

fn evidence_columns(
    evidence: Option<&EvidenceRecord>,
) -> (Option<entity::statement::EvidenceKind>, Option<String>) {
    (
        evidence.map(|e| e.kind),
        evidence.and_then(|e| e.quote.clone()),
    )
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
    for s in records.sources.iter() {
        let values = SourceValues {
            key: s.key.clone(),
            title: s.title.clone(),
            publisher: s.publisher.clone(),
            document: s.document.clone(),
        };
        match existing.sources.get(&s.key) {
            None => {
                let id = rows::insert_source(txn, values).await?.id;
                ids.insert(s.key.clone(), id);
                counts.created += 1;
            }
            Some(old) if SourceValues::of(old) == values => counts.unchanged += 1,
            Some(old) => {
                rows::update_source(txn, old.id, values).await?;
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
    source_id: &impl Fn(Option<&str>) -> Option<i32>,
    counts: &mut Counts,
    announced: &mut Announcements,
) -> Result<HashMap<String, i32>, DbErr> {
    let mut ids: HashMap<String, i32> = existing
        .places
        .iter()
        .map(|(slug, p)| (slug.clone(), p.id))
        .collect();
    let mut created = Vec::new();
    for p in records.places.iter() {
        let old = existing.places.get(&p.slug);
        let values = PlaceValues {
            name: p.name.clone(),
            kind: p.kind,
            country_code: p.country_code.clone(),
            latitude: p.latitude,
            longitude: p.longitude,
            alternate_names: stated_or_kept(
                &p.alternate_names,
                old.map(|old| &old.alternate_names.0),
            ),
            source_id: source_id(p.source.as_deref()),
        };
        match old {
            None => {
                created.push((p.slug.clone(), values));
                counts.created += 1;
                if created.len() == CHUNK {
                    insert_places(txn, std::mem::take(&mut created), &mut ids, announced).await?;
                }
            }
            Some(old) if PlaceValues::of(old) == values => counts.unchanged += 1,
            Some(old) => {
                let place = rows::update_place(txn, old.id, old.slug.clone(), values).await?;
                announced.push(Change::Place {
                    action: Action::Updated,
                    place,
                });
                counts.updated += 1;
            }
        }
    }
    insert_places(txn, created, &mut ids, announced).await?;
    Ok(ids)
}

/// A list as a record states it, or (left out) as it is stored (none for a new record).
fn stated_or_kept(stated: &Option<Vec<String>>, stored: Option<&Vec<String>>) -> Vec<String> {
    match (stated, stored) {
        (Some(list), _) => list.clone(),
        (None, Some(stored)) => stored.clone(),
        (None, None) => Vec::new(),
    }
}

/// Inserts new places together; their ids (and the changes to announce) come back from the
/// insert itself (`RETURNING`), not from reading them again by slug.
async fn insert_places(
    txn: &DatabaseTransaction,
    rows: Vec<(String, PlaceValues)>,
    ids: &mut HashMap<String, i32>,
    announced: &mut Announcements,
) -> Result<(), DbErr> {
    for place in rows::insert_places(txn, rows).await? {
        ids.insert(place.slug.clone(), place.id);
        announced.push(Change::Place {
            action: Action::Created,
            place,
        });
    }
    Ok(())
}

/// Networks by slug, with their topics; returns every slug's id.
async fn write_networks(
    txn: &DatabaseTransaction,
    records: &Records,
    existing: &Existing,
    source_id: &impl Fn(Option<&str>) -> Option<i32>,
    place_id: &impl Fn(&str) -> Option<i32>,
    counts: &mut Counts,
    announced: &mut Announcements,
) -> Result<HashMap<String, i32>, DbErr> {
    let mut ids: HashMap<String, i32> = existing
        .networks
        .iter()
        .map(|(slug, n)| (slug.clone(), n.id))
        .collect();
    for n in records.networks.iter() {
        let old = existing.networks.get(&n.slug);
        let stored_topics = old.and_then(|old| existing.topics.get(&old.id));
        let topics = stated_or_kept(&n.topics, stored_topics);
        let values = NetworkValues {
            name: n.name.clone(),
            acronym: n.acronym.clone(),
            description: n.description.clone(),
            founded_year: n.founded_year,
            founded_in_id: n.founded_in.as_deref().and_then(place_id),
            reported_member_count: n.reported_member_count,
            reported_member_count_qualifier: n.reported_member_count_qualifier,
            alternate_names: stated_or_kept(
                &n.alternate_names,
                old.map(|old| &old.alternate_names.0),
            ),
            source_id: source_id(n.source.as_deref()),
        };
        match old {
            None => {
                let network = rows::insert_network(txn, n.slug.clone(), values).await?;
                ids.insert(n.slug.clone(), network.id);
                rows::replace_topics(txn, network.id, &topics).await?;
                announced.push(Change::Network {
                    action: Action::Created,
                    network,
                });
                counts.created += 1;
            }
            Some(old)
                if NetworkValues::of(old) == values
                    && stored_topics.map_or(topics.is_empty(), |stored| *stored == topics) =>
            {
                counts.unchanged += 1;
            }
            Some(old) => {
                let network = rows::update_network(txn, old.id, old.slug.clone(), values).await?;
                rows::replace_topics(txn, old.id, &topics).await?;
                announced.push(Change::Network {
                    action: Action::Updated,
                    network,
                });
                counts.updated += 1;
            }
        }
    }
    Ok(ids)
}
