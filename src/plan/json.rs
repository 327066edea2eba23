//! The planned answer as JSON text, written while it is built: each value's text is made once
//! and copied into its object, its list, and finally the response body. Building
//! `async_graphql::Value` trees instead (an `IndexMap` per object, each key hashed and its name
//! cloned), serialising them and dropping them was a fifth of a planned page's instructions.
//!
//! The text is the resolvers' text byte for byte: scalars are written by serde_json, as the
//! resolvers' answers are, and object keys (GraphQL names: `[_A-Za-z][_0-9A-Za-z]*`) need no
//! escaping. `tests/api/planned.rs` compares the two paths' bodies.

use std::{
    borrow::Cow,
    sync::{Arc, Mutex, PoisonError},
};

use async_graphql::{Name, Value};

/// The JSON text of one value.
#[derive(Clone, Debug)]
pub struct Json(Cow<'static, [u8]>);

impl Json {
    pub const NULL: Self = Self(Cow::Borrowed(b"null"));

    /// `value` as serde_json writes it; `None` if it cannot be written (the resolvers answer).
    pub fn of(value: &Value) -> Option<Self> {
        // Numbers and enums: serde_json's own `to_vec` starts every value at 128 bytes.
        let mut out = Vec::with_capacity(24);
        serde_json::to_writer(&mut out, value).ok()?;
        Some(Self::owned(out))
    }

    /// A string.
    pub fn string(text: &str) -> Option<Self> {
        if text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-_ .,".contains(&byte))
        {
            // Nothing to escape (global ids, cursors, most names): quoted as it is.
            let mut out = Vec::with_capacity(text.len() + 2);
            out.push(b'"');
            out.extend_from_slice(text.as_bytes());
            out.push(b'"');
            return Some(Self::owned(out));
        }
        let mut out = Vec::with_capacity(text.len() + 8);
        serde_json::to_writer(&mut out, text).ok()?;
        Some(Self::owned(out))
    }

    pub fn optional_string(text: Option<&str>) -> Option<Self> {
        text.map_or(Some(Self::NULL), Self::string)
    }

    pub fn boolean(value: bool) -> Self {
        Self(Cow::Borrowed(if value { b"true" } else { b"false" }))
    }

    /// An `Int`.
    pub fn int(value: i32) -> Self {
        Self::owned(itoa::Buffer::new().format(value).as_bytes().to_vec())
    }

    /// A list of `items`, in order.
    pub fn list(items: impl IntoIterator<Item = Self>) -> Self {
        let items: Vec<Self> = items.into_iter().collect();
        let mut out =
            Vec::with_capacity(2 + items.iter().map(|item| item.0.len() + 1).sum::<usize>());
        out.push(b'[');
        for (at, item) in items.into_iter().enumerate() {
            if at > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&item.0);
        }
        out.push(b']');
        Self::owned(out)
    }

    fn owned(bytes: Vec<u8>) -> Self {
        Self(Cow::Owned(bytes))
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0.into_owned()
    }
}

/// Objects from columns: for each of `n` objects, one value from each key's column, in the
/// keys' order. Every column holds `n` values; a short one (a bug) gives `None`.
pub fn objects<'k>(
    keys: impl ExactSizeIterator<Item = &'k Name>,
    columns: Vec<Vec<Json>>,
    n: usize,
) -> Option<Vec<Json>> {
    let keys: Vec<&str> = keys.map(|key| key.as_str()).collect();
    // `"key":` for each key, the braces and the commas between members.
    let frame: usize = keys.iter().map(|key| key.len() + 3).sum::<usize>() + keys.len() + 1;
    let mut columns: Vec<_> = columns.into_iter().map(Vec::into_iter).collect();
    let mut objects = Vec::with_capacity(n);
    let mut row: Vec<Json> = Vec::with_capacity(keys.len());
    for _ in 0..n {
        row.clear();
        for column in &mut columns {
            row.push(column.next()?);
        }
        let size = frame + row.iter().map(|value| value.0.len()).sum::<usize>();
        let mut out = Vec::with_capacity(size);
        out.push(b'{');
        for (at, (key, value)) in keys.iter().zip(&row).enumerate() {
            if at > 0 {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            out.extend_from_slice(&value.0);
        }
        out.push(b'}');
        objects.push(Json::owned(out));
    }
    Some(objects)
}

/// Where the HTTP layer receives a planned answer's `data` as JSON text, to send it as it is.
/// A request without one (a WebSocket, an event stream, a batch) gets the answer as values.
#[derive(Clone, Default)]
pub struct PlannedData(Arc<Mutex<Option<Vec<u8>>>>);

impl PlannedData {
    pub fn put(&self, data: Vec<u8>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(data);
    }

    pub fn take(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_serde_json_writes_for_the_same_values() {
        let keys = [Name::new("a"), Name::new("b_2")];
        let columns = vec![
            vec![Json::string("x\"\n\u{e9}").unwrap(), Json::NULL],
            vec![
                Json::list([Json::int(-3), Json::boolean(true)]),
                Json::int(7),
            ],
        ];
        let written = objects(keys.iter(), columns, 2).unwrap();
        let text: Vec<String> = written
            .into_iter()
            .map(|json| String::from_utf8(json.into_bytes()).unwrap())
            .collect();
        let expected = [
            serde_json::json!({ "a": "x\"\n\u{e9}", "b_2": [-3, true] }),
            serde_json::json!({ "a": null, "b_2": 7 }),
        ];
        for (text, expected) in text.iter().zip(expected) {
            assert_eq!(text, &serde_json::to_string(&expected).unwrap());
        }
        let float = Json::of(&Value::from(54.0833_f64)).unwrap();
        assert_eq!(float.into_bytes(), b"54.0833");
        for text in [
            "",
            "Q2l0eTox",
            "a-b_c d.e,f",
            "Zürich",
            "tab\there",
            "\u{7f}<>&'",
            "x\\y",
        ] {
            let written = Json::string(text).unwrap().into_bytes();
            assert_eq!(written, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn a_short_column_is_no_answer() {
        let keys = [Name::new("a")];
        assert!(objects(keys.iter(), vec![vec![Json::NULL]], 2).is_none());
    }
}
