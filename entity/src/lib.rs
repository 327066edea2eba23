//! SeaORM entities of Citynet: one module per table, plain models with no GraphQL in them.
//!
//! The GraphQL types in the server wrap these models, so a column becomes public API only when a
//! resolver exposes it.

pub mod event;
pub mod event_participant;
pub mod membership;
pub mod network;
pub mod network_topic;
pub mod place;
pub mod search_entry;
pub mod source;
pub mod statement;
pub mod twinning;

pub mod prelude {
    pub use super::event::Entity as Event;
    pub use super::event_participant::Entity as EventParticipant;
    pub use super::membership::Entity as Membership;
    pub use super::network::Entity as Network;
    pub use super::network_topic::Entity as NetworkTopic;
    pub use super::place::Entity as Place;
    pub use super::search_entry::Entity as SearchEntry;
    pub use super::source::Entity as Source;
    pub use super::twinning::Entity as Twinning;
}

/// Text folded for matching: lowercase ASCII, diacritics dropped ("Düsseldorf" -> "dusseldorf").
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};
    use serde::{
        de::{value, IntoDeserializer},
        Deserialize,
    };

    /// Every variant deserializes from the very string the database stores for it, so the seed
    /// files and the database spell the enums alike.
    fn spelled_as_stored<E>()
    where
        E: ActiveEnum<Value = String> + Iterable + for<'de> Deserialize<'de> + PartialEq,
    {
        for variant in E::iter() {
            let stored = variant.to_value();
            let parsed = E::deserialize(IntoDeserializer::<value::Error>::into_deserializer(
                stored.as_str(),
            ));
            assert!(
                parsed.ok() == Some(variant),
                "{stored:?} names another variant"
            );
        }
    }

    #[test]
    fn enums_deserialize_as_stored() {
        spelled_as_stored::<super::place::PlaceKind>();
        spelled_as_stored::<super::membership::MembershipRole>();
        spelled_as_stored::<super::event::EventKind>();
    }
}
