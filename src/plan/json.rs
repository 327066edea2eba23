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

use crate::schema::ids::{self, NodeType};

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
        let mut out = Vec::with_capacity(text.len() + 2);
        write_string(&mut out, text)?;
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
    let mut members: Vec<_> = columns
        .into_iter()
        .map(|column| Member::Column(column.into_iter()))
        .collect();
    objects_of(keys, &mut members, &vec![(); n])
}

/// Where the value of one key of each object comes from.
pub enum Member<R> {
    /// Computed for all the objects beforehand (a relation, a count), one per object.
    Column(std::vec::IntoIter<Json>),
    /// Written from the object's row (a column of the row): no value of its own to allocate.
    Row(fn(&R, &mut Vec<u8>) -> Option<()>),
}

/// One object for each of `rows`, with a value for each key from its [`Member`], in the keys'
/// order. A column shorter than `rows` (a bug) gives `None`. The columns go on where they
/// stopped, so that a long list can be written a stretch of rows at a time.
pub fn objects_of<'k, R>(
    keys: impl ExactSizeIterator<Item = &'k Name>,
    members: &mut [Member<R>],
    rows: &[R],
) -> Option<Vec<Json>> {
    let keys: Vec<&str> = keys.map(|key| key.as_str()).collect();
    let mut objects = Vec::with_capacity(rows.len());
    // Objects of one selection are about the same size: each starts at its predecessor's.
    let mut size = keys.iter().map(|key| key.len() + 4).sum::<usize>() + 2;
    for row in rows {
        let mut out = Vec::with_capacity(size);
        out.push(b'{');
        for (at, (key, member)) in keys.iter().zip(members.iter_mut()).enumerate() {
            if at > 0 {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            match member {
                Member::Column(values) => out.extend_from_slice(&values.next()?.0),
                Member::Row(write) => write(row, &mut out)?,
            }
        }
        out.push(b'}');
        size = out.len();
        objects.push(Json::owned(out));
    }
    Some(objects)
}

/// Writes `text` as a JSON string.
pub fn write_string(out: &mut Vec<u8>, text: &str) -> Option<()> {
    // serde_json escapes the quote, the backslash and the control characters, and nothing else
    // (not `/`, not DEL, not beyond ASCII).
    if !text
        .bytes()
        .any(|byte| byte < 0x20 || byte == b'"' || byte == b'\\')
    {
        // Nothing to escape (global ids, cursors, most names): quoted as it is.
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
        return Some(());
    }
    serde_json::to_writer(out, text).ok()
}

/// Writes `text` as a JSON string, or `null`.
pub fn write_optional_string(out: &mut Vec<u8>, text: Option<&str>) -> Option<()> {
    match text {
        Some(text) => write_string(out, text),
        None => {
            out.extend_from_slice(b"null");
            Some(())
        }
    }
}

/// Writes a list of strings.
pub fn write_strings(out: &mut Vec<u8>, texts: &[String]) -> Option<()> {
    out.push(b'[');
    for (at, text) in texts.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        write_string(out, text)?;
    }
    out.push(b']');
    Some(())
}

/// Writes `value` as serde_json writes it.
pub fn write_value(out: &mut Vec<u8>, value: &Value) -> Option<()> {
    serde_json::to_writer(out, value).ok()
}

/// Writes the global id of row `id` of `node_type`.
pub fn write_id(out: &mut Vec<u8>, node_type: NodeType, id: i32) -> Option<()> {
    write_string(out, ids::encoded(node_type, id).as_str())
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
            "a/b \u{1f}\u{7f}\u{80} \u{2028}\u{2029} \u{10ffff}",
            "\"\\\u{8}\u{c}\n\r\t\u{0}",
        ] {
            let written = Json::string(text).unwrap().into_bytes();
            assert_eq!(written, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn writes_from_rows_what_it_writes_from_columns() {
        // In alphabetical order, the order of `serde_json::json!`'s keys.
        let keys = [Name::new("code"), Name::new("id"), Name::new("names")];
        let rows = [
            (7, vec!["Zürich".to_owned(), "a\"b".to_owned()], Some("CH")),
            (i32::MAX, vec![], None),
        ];
        let id = |row: &(i32, Vec<String>, Option<&str>), out: &mut Vec<u8>| {
            write_id(out, NodeType::Membership, row.0)
        };
        let names =
            |row: &(i32, Vec<String>, Option<&str>), out: &mut Vec<u8>| write_strings(out, &row.1);
        let code = |row: &(i32, Vec<String>, Option<&str>), out: &mut Vec<u8>| {
            write_optional_string(out, row.2)
        };
        let mut members = [Member::Row(code), Member::Row(id), Member::Row(names)];
        let written = objects_of(keys.iter(), &mut members, &rows).unwrap();
        for (json, row) in written.into_iter().zip(&rows) {
            let expected = serde_json::json!({
                "id": ids::encode(NodeType::Membership, row.0).0,
                "names": row.1,
                "code": row.2,
            });
            assert_eq!(json.into_bytes(), serde_json::to_vec(&expected).unwrap());
        }
    }

    #[test]
    fn a_short_column_is_no_answer() {
        let keys = [Name::new("a")];
        assert!(objects(keys.iter(), vec![vec![Json::NULL]], 2).is_none());
    }
}
