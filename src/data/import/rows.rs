//! How the import holds the bulk of a large file. An export of the large world is nine
//! memberships in ten, each naming one of a few thousand places and networks: held as records,
//! they were 144 bytes and two strings apiece, the largest part of the import's peak memory.
//! Here a membership is 40 bytes, its references interned and its rare fields boxed.

use std::{collections::HashMap, rc::Rc};

use entity::membership::MembershipRole;

use crate::data::records::{EvidenceRecord, MembershipRecord};

/// A slug or key, as its index in [`Slugs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct SlugId(u32);

/// Every slug and key the memberships name, each held once.
#[derive(Default)]
pub(super) struct Slugs {
    ids: HashMap<Rc<str>, SlugId>,
    names: Vec<Rc<str>>,
}

impl Slugs {
    pub(super) fn intern(&mut self, slug: &str) -> SlugId {
        if let Some(id) = self.ids.get(slug) {
            return *id;
        }
        // Four billion distinct slugs would not fit in memory long before the index overflowed.
        let id = SlugId(self.names.len() as u32);
        let name: Rc<str> = slug.into();
        self.names.push(name.clone());
        self.ids.insert(name, id);
        id
    }

    /// The slug behind an id this interner gave out.
    pub(super) fn name(&self, id: SlugId) -> &str {
        &self.names[id.0 as usize]
    }
}

/// A membership record as the import holds it.
pub(super) struct MembershipRow {
    pub network: SlugId,
    pub place: SlugId,
    pub role: MembershipRole,
    pub since: Option<i32>,
    pub source: Option<SlugId>,
    /// The fields most memberships leave out.
    details: Option<Box<Details>>,
}

struct Details {
    represented_by: Option<String>,
    evidence: Option<EvidenceRecord>,
}

impl MembershipRow {
    pub(super) fn new(record: MembershipRecord, slugs: &mut Slugs) -> Self {
        let details = (record.represented_by.is_some() || record.evidence.is_some()).then(|| {
            Box::new(Details {
                represented_by: record.represented_by,
                evidence: record.evidence,
            })
        });
        Self {
            network: slugs.intern(&record.network),
            place: slugs.intern(&record.place),
            role: record.role,
            since: record.since,
            source: record.source.as_deref().map(|key| slugs.intern(key)),
            details,
        }
    }

    pub(super) fn represented_by(&self) -> Option<&str> {
        self.details.as_ref()?.represented_by.as_deref()
    }

    pub(super) fn evidence(&self) -> Option<&EvidenceRecord> {
        self.details.as_ref()?.evidence.as_ref()
    }

    /// Puts the parsed representative and evidence back (trimmed, as a mutation stores them).
    pub(super) fn set_details(
        &mut self,
        represented_by: Option<String>,
        evidence: Option<EvidenceRecord>,
    ) {
        self.details = (represented_by.is_some() || evidence.is_some()).then(|| {
            Box::new(Details {
                represented_by,
                evidence,
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_membership_row_is_compact() {
        assert!(std::mem::size_of::<MembershipRow>() <= 40);
    }

    #[test]
    fn slugs_are_interned_once() {
        let mut slugs = Slugs::default();
        let berlin = slugs.intern("berlin");
        assert_eq!(slugs.intern("rostock"), slugs.intern("rostock"));
        assert_eq!(slugs.intern("berlin"), berlin);
        assert_eq!(slugs.name(berlin), "berlin");
        assert_eq!(slugs.names.len(), 2);
    }
}
