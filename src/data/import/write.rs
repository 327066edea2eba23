//! Writing the checked records in the import's transaction: each matched by its natural key
//! and created, updated or left unchanged; new rows inserted in chunks.

use std::collections::{HashMap, HashSet};

use entity::{
    event, event_participant, fold, membership, network, network_topic, place, source,
    statement::{AlternateNames, EvidenceKind},
    twinning,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, NotSet, QueryFilter,
};

use super::{existing::Existing, rows::MembershipRow, Counts, Located, Records, Summary};
use crate::{
    changes::{Action, Change, BACKLOG},
    data::records::EvidenceRecord,
};

/// How many rows one multi-row insert carries (well under either backend's bound parameters).
const CHUNK: usize = 500;

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
        &mut existing,
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
    for Located { record: m, .. } in records.memberships.iter() {
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
        let (evidence_kind, evidence_quote) = evidence_columns(e.evidence.as_ref());
        let row = event::ActiveModel {
            id: NotSet,
            kind: Set(e.kind),
            title: Set(e.title.clone()),
            year: Set(e.year),
            topic: Set(e.topic.clone()),
            network_id: Set(network),
            host_id: Set(host),
            reported_participant_count: Set(e.reported_participant_count),
            source_id: Set(source_id(e.source.as_deref())),
            evidence_kind: Set(evidence_kind),
            evidence_quote: Set(evidence_quote.map(str::to_owned)),
        };
        let event_id = match existing
            .events
            .get(&(network, e.year, e.title.clone(), host))
        {
            None => {
                summary.events.created += 1;
                let created = row.insert(txn).await?;
                announced.event(Action::Created, &created, host, &participants, None);
                created.id
            }
            Some(old) => {
                let same = old.kind == e.kind
                    && old.topic == e.topic
                    && old.reported_participant_count == e.reported_participant_count
                    && old.source_id == source_id(e.source.as_deref())
                    && old.evidence_kind == evidence_kind
                    && old.evidence_quote.as_deref() == evidence_quote
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
                let updated = event::ActiveModel {
                    id: Set(old.id),
                    ..row
                }
                .update(txn)
                .await?;
                let before = existing.participants.get(&old.id);
                announced.event(Action::Updated, &updated, host, &participants, before);
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
                source_id: Set(source_id(e.source.as_deref())),
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
                    source_id: Set(source_id(t.source.as_deref())),
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
    let existing: HashMap<(i32, i32), membership::Model> = membership::Entity::find()
        .filter(
            Expr::tuple([
                Expr::col(membership::Column::PlaceId),
                Expr::col(membership::Column::NetworkId),
            ])
            .in_tuples(chunk.iter().map(|m| (m.place, m.network))),
        )
        .all(txn)
        .await?
        .into_iter()
        .map(|old| ((old.place_id, old.network_id), old))
        .collect();
    let mut created = Vec::new();
    for &Membership {
        network,
        place,
        source,
        row: m,
    } in chunk
    {
        let (evidence_kind, evidence_quote) = evidence_columns(m.evidence());
        let represented_by = m.represented_by();
        let old = existing.get(&(place, network));
        if let Some(old) = old {
            if old.role == m.role
                && old.since == m.since
                && old.represented_by.as_deref() == represented_by
                && old.source_id == source
                && old.evidence_kind == evidence_kind
                && old.evidence_quote.as_deref() == evidence_quote
            {
                counts.unchanged += 1;
                continue;
            }
        }
        let row = membership::ActiveModel {
            id: old.map_or(NotSet, |old| Set(old.id)),
            place_id: Set(place),
            network_id: Set(network),
            role: Set(m.role),
            since: Set(m.since),
            represented_by: Set(represented_by.map(str::to_owned)),
            source_id: Set(source),
            evidence_kind: Set(evidence_kind),
            evidence_quote: Set(evidence_quote.map(str::to_owned)),
        };
        if old.is_some() {
            let membership = row.update(txn).await?;
            announced.push(Change::Membership {
                action: Action::Updated,
                membership,
            });
            counts.updated += 1;
        } else {
            created.push(row);
            counts.created += 1;
        }
    }
    let insert = membership::Entity::insert_many(created);
    if announced.is_listening() {
        for membership in insert.exec_with_returning(txn).await? {
            announced.push(Change::Membership {
                action: Action::Created,
                membership,
            });
        }
    } else {
        insert.exec(txn).await?;
    }
    Ok(())
}

fn evidence_columns(evidence: Option<&EvidenceRecord>) -> (Option<EvidenceKind>, Option<&str>) {
    (
        evidence.map(|e| e.kind),
        evidence.and_then(|e| e.quote.as_deref()),
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
            source_id: Set(source_id(p.source.as_deref())),
            alternate_names: Set(AlternateNames(p.alternate_names.clone())),
        };
        match existing.places.get(&p.slug) {
            None => {
                created.push(row);
                counts.created += 1;
                if created.len() == CHUNK {
                    insert_places(txn, std::mem::take(&mut created), &mut ids, announced).await?;
                }
            }
            Some(old) => {
                let same = old.name == p.name
                    && old.kind == p.kind
                    && old.country_code == p.country_code
                    && old.latitude == p.latitude
                    && old.longitude == p.longitude
                    && old.source_id == source_id(p.source.as_deref())
                    && old.alternate_names.0 == p.alternate_names;
                if same {
                    counts.unchanged += 1;
                } else {
                    let place = place::ActiveModel {
                        id: Set(old.id),
                        ..row
                    }
                    .update(txn)
                    .await?;
                    announced.push(Change::Place {
                        action: Action::Updated,
                        place,
                    });
                    counts.updated += 1;
                }
            }
        }
    }
    insert_places(txn, created, &mut ids, announced).await?;
    Ok(ids)
}

/// Inserts new places together; their ids (and the changes to announce) come back from the
/// insert itself (`RETURNING`), not from reading them again by slug.
async fn insert_places(
    txn: &DatabaseTransaction,
    rows: Vec<place::ActiveModel>,
    ids: &mut HashMap<String, i32>,
    announced: &mut Announcements,
) -> Result<(), DbErr> {
    for place in place::Entity::insert_many(rows)
        .exec_with_returning(txn)
        .await?
    {
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
    existing: &mut Existing,
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
            source_id: Set(source_id(n.source.as_deref())),
        };
        let id = match existing.networks.get(&n.slug) {
            None => {
                counts.created += 1;
                let network = row.insert(txn).await?;
                let id = network.id;
                ids.insert(n.slug.clone(), id);
                announced.push(Change::Network {
                    action: Action::Created,
                    network,
                });
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
                    && old.source_id == source_id(n.source.as_deref())
                    && existing.topics.get(&old.id).cloned().unwrap_or_default() == n.topics;
                if same {
                    counts.unchanged += 1;
                    continue;
                }
                let network = network::ActiveModel {
                    id: Set(old.id),
                    ..row
                }
                .update(txn)
                .await?;
                announced.push(Change::Network {
                    action: Action::Updated,
                    network,
                });
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
