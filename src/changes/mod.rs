//! Committed writes, broadcast to whoever subscribed. A mutation collects the changes it makes
//! and publishes them only after its transaction commits, so a subscriber never hears of a write
//! that was rolled back. Writes made through other instances on the same database arrive through
//! the [`feed`].

pub mod feed;

use std::sync::Arc;

use entity::{event, membership, network, place};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// What happened to a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Created,
    Updated,
    Deleted,
}

/// One committed change, with the record as it was committed (as it was before, for a delete).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Change {
    Place {
        action: Action,
        place: place::Model,
    },
    Network {
        action: Action,
        network: network::Model,
    },
    Membership {
        action: Action,
        membership: membership::Model,
    },
    Event {
        action: Action,
        event: event::Model,
        /// The host and the named participants, before and after the change, so that
        /// subscribers can filter by place (and hear that a place was removed).
        place_ids: Vec<i32>,
        /// The network, before and after the change (an event can move to another network).
        network_ids: Vec<i32>,
    },
    /// One transaction changed more than its subscribers may be handed: more than [`BACKLOG`]
    /// changes (another instance's commit, carried by the feed), or more changes times
    /// subscribers than [`FANOUT_BUDGET`]. This marker goes out instead of them, and every
    /// subscription that hears it ends as lagged.
    Overflow,
}

/// How many commits a slow subscriber may fall behind, and how many changes one commit may hand
/// one subscription, before the subscription ends with an error (it should then re-read and
/// subscribe again).
pub const BACKLOG: usize = 1024;

/// The most messages one commit may cause in all: its changes times the subscriptions that
/// hear it (each looks at every change). Past it, every subscription hears [`Change::Overflow`]
/// instead and ends as lagged, so that a bulk write costs the server a bounded amount of work
/// however many subscribers there are (each then re-reads what it needs).
pub const FANOUT_BUDGET: usize = 64 * BACKLOG;

/// What one transaction changed, announced as one message (shared by every subscriber, not
/// copied).
pub type Commit = Arc<[Change]>;

/// The broadcast channel between mutations and subscriptions; cheap to clone.
#[derive(Clone)]
pub struct Changes {
    sender: broadcast::Sender<Commit>,
    /// [`FANOUT_BUDGET`], or a smaller one in tests.
    fanout_budget: usize,
}

impl Default for Changes {
    fn default() -> Self {
        Self::with_fanout_budget(FANOUT_BUDGET)
    }
}

impl Changes {
    /// Announces the changes of one committed transaction; without subscribers they go
    /// nowhere.
    pub fn publish(&self, changes: Vec<Change>) {
        self.publish_shared(changes.into());
    }

    /// Announces a commit that is already shared (one that the feed read from another instance).
    /// A commit whose fan-out is over the budget goes out as [`Change::Overflow`].
    pub fn publish_shared(&self, commit: Commit) {
        if commit.is_empty() {
            return;
        }
        let fanout = commit.len().saturating_mul(self.sender.receiver_count());
        let commit = if fanout > self.fanout_budget {
            Commit::from([Change::Overflow])
        } else {
            commit
        };
        // An error only means that nobody is listening.
        let _ = self.sender.send(commit);
    }

    /// A receiver of every commit published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Commit> {
        self.sender.subscribe()
    }

    /// A bus whose commits may cause at most `fanout_budget` messages each.
    pub fn with_fanout_budget(fanout_budget: usize) -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            fanout_budget,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_commit_over_the_fanout_budget_reaches_everyone_as_an_overflow() {
        let changes = Changes::with_fanout_budget(10);
        let mut receivers: Vec<_> = (0..3).map(|_| changes.subscribe()).collect();
        // Any change will do: the budget counts them, whatever they are.
        changes.publish(vec![Change::Overflow; 3]);
        changes.publish(vec![Change::Overflow; 4]);
        for receiver in &mut receivers {
            assert_eq!(
                receiver.recv().await.unwrap().len(),
                3,
                "9 messages: within"
            );
            assert_eq!(
                receiver.recv().await.unwrap().len(),
                1,
                "12 messages: one marker"
            );
        }
    }
}
