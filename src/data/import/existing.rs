//! What the database holds already, by the records' natural keys.

use std::collections::{HashMap, HashSet};

use entity::{event, event_participant, network, place, source, twinning};
use futures_util::TryStreamExt;
use sea_orm::{DatabaseTransaction, DbErr, EntityTrait};

/// The database's records, by their natural keys (all but the memberships, which the writer
/// reads a chunk at a time).
#[derive(Default)]
pub(super) struct Existing {
    pub sources: HashMap<String, source::Model>,
    pub places: HashMap<String, place::Model>,
    pub networks: HashMap<String, network::Model>,
    pub topics: HashMap<i32, Vec<String>>,
    /// By network, year, title and host: two events may share a title in one year elsewhere.
    pub events: HashMap<(i32, Option<i32>, String, Option<i32>), event::Model>,
    pub participants: HashMap<i32, HashSet<i32>>,
    pub twinnings: HashSet<(i32, i32)>,
}

impl Existing {
    pub(super) async fn load(txn: &DatabaseTransaction) -> Result<Self, DbErr> {
        let mut existing = Self {
            topics: crate::loaders::topics::all_by_network(txn).await?,
            ..Self::default()
        };
        each_row::<source::Entity>(txn, |s| {
            existing.sources.insert(s.key.clone(), s);
        })
        .await?;
        each_row::<place::Entity>(txn, |p| {
            existing.places.insert(p.slug.clone(), p);
        })
        .await?;
        each_row::<network::Entity>(txn, |n| {
            existing.networks.insert(n.slug.clone(), n);
        })
        .await?;
        each_row::<event::Entity>(txn, |e| {
            // By the title as the checks make it (trimmed): an earlier import stored titles as
            // written, and a re-import must find those events, not add a second one.
            let key =
                crate::service::rules::event_key(e.network_id, e.year, e.title.trim(), e.host_id);
            existing.events.insert(key, e);
        })
        .await?;
        each_row::<event_participant::Entity>(txn, |p| {
            existing
                .participants
                .entry(p.event_id)
                .or_default()
                .insert(p.place_id);
        })
        .await?;
        each_row::<twinning::Entity>(txn, |t| {
            existing.twinnings.insert((t.place_id, t.twin_id));
        })
        .await?;
        Ok(existing)
    }
}

/// Hands every row of `E` to `take` as it is read: a large table is never held twice, as
/// rows and as models.
async fn each_row<E: EntityTrait>(
    txn: &DatabaseTransaction,
    mut take: impl FnMut(E::Model),
) -> Result<(), DbErr> {
    let rows = E::find().stream(txn).await?;
    futures_util::pin_mut!(rows);
    while let Some(row) = rows.try_next().await? {
        take(row);
    }
    Ok(())
}
