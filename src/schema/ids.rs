//! Global object ids: opaque strings that name a type and a row, e.g. `Q2l0eTox` for "City:1".
//! `node(id:)` decodes them; clients should treat them as opaque.
//!
//! They are issued as unpadded URL-safe base64, and read back padded or not, in the URL-safe or
//! the standard alphabet: data users decode them with Python's `base64.b64decode`, which wants
//! the padding, and may send back what it gives.

use std::borrow::Cow;

use async_graphql::ID;
use base64::{
    alphabet,
    engine::{
        general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD},
        DecodePaddingMode,
    },
    Engine,
};

use crate::error::{AppError, AppResult};

/// The types that implement `Node`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    City,
    Network,
    Membership,
    Event,
}

impl NodeType {
    const ALL: [NodeType; 4] = [Self::City, Self::Network, Self::Membership, Self::Event];

    fn name(self) -> &'static str {
        match self {
            Self::City => "City",
            Self::Network => "Network",
            Self::Membership => "Membership",
            Self::Event => "Event",
        }
    }
}

/// The global id of row `id` of `node_type`.
pub fn encode(node_type: NodeType, id: i32) -> ID {
    ID(encoded(node_type, id).as_str().to_owned())
}

/// The text of the global id of row `id` of `node_type`, put together on the stack: every object
/// of a page has an id, and the planned path writes it straight into the answer (`format!`, or
/// even an allocation per id, cost more than the encoding).
pub fn encoded(node_type: NodeType, id: i32) -> EncodedId {
    let mut digits = itoa::Buffer::new();
    let row = digits.format(id).as_bytes();
    let name = node_type.name().as_bytes();
    // "Membership:-2147483648", the longest there is, takes 22 bytes.
    let mut text = [0_u8; 24];
    let length = name.len() + 1 + row.len();
    text[..name.len()].copy_from_slice(name);
    text[name.len()] = b':';
    text[name.len() + 1..length].copy_from_slice(row);
    let mut encoded = EncodedId {
        text: [0; 32],
        length: 0,
    };
    // 24 bytes of text take 32 characters of base64 without padding: they always fit.
    encoded.length = URL_SAFE_NO_PAD
        .encode_slice(&text[..length], &mut encoded.text)
        .unwrap_or(0);
    encoded
}

/// A global id's text, held on the stack ([`encoded`]).
pub struct EncodedId {
    text: [u8; 32],
    length: usize,
}

impl EncodedId {
    pub fn as_str(&self) -> &str {
        // base64 is ASCII; an empty id would show a bug rather than hide it in an answer.
        std::str::from_utf8(&self.text[..self.length]).unwrap_or_default()
    }
}

/// Reads ids with or without their padding.
const READ: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The bytes of an id in either base64 alphabet, padded or not.
fn id_bytes(id: &str) -> Option<Vec<u8>> {
    let url_safe: Cow<'_, str> = if id.contains(['+', '/']) {
        Cow::Owned(id.replace('+', "-").replace('/', "_"))
    } else {
        Cow::Borrowed(id)
    };
    READ.decode(url_safe.as_bytes()).ok()
}

/// Decodes a global id; anything this server did not issue is an `INVALID_ID` error.
pub fn decode(id: &str) -> AppResult<(NodeType, i32)> {
    let invalid = || AppError::InvalidId(format!("{id:?} is not a valid node id"));
    let bytes = id_bytes(id).ok_or_else(invalid)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| invalid())?;
    let (name, row) = text.split_once(':').ok_or_else(invalid)?;
    let node_type = NodeType::ALL
        .into_iter()
        .find(|t| t.name() == name)
        .ok_or_else(invalid)?;
    let row: i32 = row.parse().map_err(|_| invalid())?;
    if row <= 0 || row.to_string() != row_text(text) {
        return Err(invalid());
    }
    Ok((node_type, row))
}

/// The row `id` names when it is an id of `expected`; an id of another type names nothing (as
/// a lookup by an unknown key finds nothing); one this server did not issue is `INVALID_ID`.
pub fn row_of(id: &str, expected: NodeType) -> AppResult<Option<i32>> {
    let (node_type, row) = decode(id)?;
    Ok((node_type == expected).then_some(row))
}

/// The global id of `partner` seen as the partner of `place` (`Partner.id`).
pub fn encode_pair(place: i32, partner: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("Partner:{place}:{partner}")))
}

/// The two places of a `Partner` id; `None` for any other id.
pub fn decode_pair(id: &str) -> Option<(i32, i32)> {
    let bytes = id_bytes(id)?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (place, partner) = text.strip_prefix("Partner:")?.split_once(':')?;
    let (place, partner) = (place.parse().ok()?, partner.parse().ok()?);
    // Compared as text, so that "Partner:01:2" is not a second id of the pair.
    (text == format!("Partner:{place}:{partner}") && place > 0 && partner > 0)
        .then_some((place, partner))
}

/// The part after the type name, compared literally so that "City:01" is not a second id of 1.
fn row_text(text: &str) -> &str {
    text.split_once(':').map(|(_, row)| row).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_type() {
        for node_type in NodeType::ALL {
            let id = encode(node_type, 42);
            assert_eq!(decode(&id).unwrap(), (node_type, 42));
            for row in [i32::MIN, -1, 0, 1, 9, 10, 12_345, i32::MAX] {
                let text = format!("{}:{row}", node_type.name());
                assert_eq!(encode(node_type, row).0, URL_SAFE_NO_PAD.encode(text));
            }
        }
    }

    #[test]
    fn reads_ids_padded_or_not_in_either_alphabet() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE};
        for row in 1..2_000 {
            let text = format!("Membership:{row}");
            for id in [URL_SAFE.encode(&text), STANDARD.encode(&text)] {
                assert_eq!(decode(&id).unwrap(), (NodeType::Membership, row), "{id}");
            }
        }
        assert_eq!(decode_pair(&URL_SAFE.encode("Partner:3:14")), Some((3, 14)));
        assert!(decode("Q2l0eTox==").is_err(), "padding where none belongs");
    }

    #[test]
    fn a_pair_round_trips_and_is_no_other_id() {
        let id = encode_pair(3, 14);
        assert_eq!(decode_pair(&id), Some((3, 14)));
        assert!(decode(&id).is_err());
        assert_eq!(decode_pair(&encode(NodeType::City, 3)), None);
        assert_eq!(decode_pair(&URL_SAFE_NO_PAD.encode("Partner:03:14")), None);
    }

    #[test]
    fn rejects_what_it_did_not_issue() {
        for bad in [
            "",
            "x",
            "City:1",
            "Q2l0eTo",
            &URL_SAFE_NO_PAD.encode("Town:1"),
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
        for bad in [
            "City:0",
            "City:-1",
            "City:01",
            "City:1.0",
            "City:99999999999",
        ] {
            assert!(decode(&URL_SAFE_NO_PAD.encode(bad)).is_err(), "{bad}");
        }
    }
}
