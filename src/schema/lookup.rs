//! Finding one object by whichever key the client holds: `city(by:)` and `network(by:)` take a
//! `@oneOf` input (exactly one of `id` and `slug`, checked by validation) beside the older
//! `slug` argument; giving both or neither is `BAD_USER_INPUT`.

use async_graphql::{OneofObject, ID};

use super::ids::{self, NodeType};
use crate::error::{AppError, AppResult};

/// How to find one place: by exactly one of its keys.
#[derive(OneofObject)]
pub enum CityBy {
    /// The place's global id, as `City.id` gives it.
    Id(ID),
    /// The place's slug, as `City.slug` gives it, e.g. `rostock`.
    Slug(String),
}

/// How to find one network: by exactly one of its keys.
#[derive(OneofObject)]
pub enum NetworkBy {
    /// The network's global id, as `Network.id` gives it.
    Id(ID),
    /// The network's slug, as `Network.slug` gives it, e.g. `ubc`.
    Slug(String),
}

/// Either lookup input, as one: the key it gives.
enum By {
    Id(ID),
    Slug(String),
}

impl From<CityBy> for By {
    fn from(by: CityBy) -> Self {
        match by {
            CityBy::Id(id) => Self::Id(id),
            CityBy::Slug(slug) => Self::Slug(slug),
        }
    }
}

impl From<NetworkBy> for By {
    fn from(by: NetworkBy) -> Self {
        match by {
            NetworkBy::Id(id) => Self::Id(id),
            NetworkBy::Slug(slug) => Self::Slug(slug),
        }
    }
}

/// The key a lookup names, whichever argument named it.
pub enum Key {
    /// The row of a global id of the expected type; `None` when the id is of another type
    /// (which finds nothing, as a missing slug does).
    Row(Option<i32>),
    Slug(String),
}

impl Key {
    /// The key of `slug` or `by` (an id or a slug of `node_type`), exactly one of them.
    fn of(slug: Option<String>, by: Option<By>, node_type: NodeType) -> AppResult<Self> {
        match (slug, by) {
            (Some(slug), None) | (None, Some(By::Slug(slug))) => Ok(Self::Slug(slug)),
            (None, Some(By::Id(id))) => Ok(Self::Row(ids::row_of(&id, node_type)?)),
            _ => Err(AppError::BadUserInput(
                "Give exactly one of `slug` and `by`".into(),
            )),
        }
    }

    pub fn of_city(slug: Option<String>, by: Option<CityBy>) -> AppResult<Self> {
        Self::of(slug, by.map(By::from), NodeType::City)
    }

    pub fn of_network(slug: Option<String>, by: Option<NetworkBy>) -> AppResult<Self> {
        Self::of(slug, by.map(By::from), NodeType::Network)
    }
}
