//! The write path: every create, update and delete, one module per aggregate, whatever front
//! end asks for it (the GraphQL mutations today, the import tomorrow).
//!
//! A service function takes an open transaction and input that is already valid in form
//! ([`crate::domain`] types, ids as row ids), applies the rules that need the database (what
//! must exist, what must be free, what a delete takes with it), keeps the search index in step,
//! and returns the record it wrote with the [`Change`](crate::changes::Change)s to announce.
//!
//! Invariants:
//! - **One transaction**: everything a write does runs on the transaction it is given; the
//!   caller commits, or drops it and nothing happened.
//! - **Changes are returned, not published**: only the caller knows when the commit succeeded,
//!   and subscribers must never hear of a write that was rolled back.
//! - **Nothing GraphQL**: no async-graphql types, no global ids; errors name the value at fault
//!   by the caller's [`InputPath`](crate::domain::InputPath).

pub mod event;
mod existing;
pub mod membership;
pub mod network;
pub mod place;
mod references;
pub mod rows;
pub mod rules;
pub mod search_index;
mod slug;
pub mod twinning;
pub mod write;

/// An update's instruction for one field: keep the stored value, or change it to another. A
/// nullable field is an `Edit<Option<T>>`, so `Edit::To(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Edit<T> {
    #[default]
    Keep,
    To(T),
}

impl<T> Edit<T> {
    /// The field's value after the update.
    pub fn apply(self, current: T) -> T {
        match self {
            Edit::Keep => current,
            Edit::To(value) => value,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Edit<U> {
        match self {
            Edit::Keep => Edit::Keep,
            Edit::To(value) => Edit::To(f(value)),
        }
    }
}
