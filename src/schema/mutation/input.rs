//! Decoding the global ids in mutation input into row ids. Everything else in the input is
//! parsed into [`crate::domain`] values, which name the field at fault the same way
//! (`extensions.field`, e.g. `input.cityId`).

use async_graphql::ID;

use crate::{
    error::{AppError, AppResult},
    schema::ids::{self, NodeType},
};

/// The row id behind a global id that must name a `expected` object.
pub fn row_id(field: &str, id: &ID, expected: NodeType) -> AppResult<i32> {
    let (node_type, row) = ids::decode(id).map_err(|err| err.at(field))?;
    if node_type != expected {
        return Err(AppError::InvalidId(format!(
            "`{field}` must be the id of a {expected:?}, got the id of a {node_type:?}."
        ))
        .at(field));
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn ids_must_name_the_expected_type() {
        let network = ids::encode(NodeType::Network, 3);
        assert_eq!(
            row_id("input.networkId", &network, NodeType::Network).unwrap(),
            3
        );
        let err = row_id("input.cityId", &network, NodeType::City).unwrap_err();
        assert_eq!(
            (err.code(), err.field()),
            (ErrorCode::InvalidId, Some("input.cityId"))
        );
        assert!(row_id("input.cityId", &ID::from("nonsense"), NodeType::City).is_err());
    }
}
