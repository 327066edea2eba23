//! Reading a row's values by position from either driver: SeaORM's rows (sqlx, both backends)
//! and rusqlite's (the synchronous SQLite reader, [`crate::db::sync_reads`]). A page's rows
//! and a count's rows decode through [`Cells`], so both drivers give the same models.
//!
//! SeaORM's rows decode exactly as before (`try_get_by_index`); rusqlite's decode from SQLite's
//! own value types by the rules of [`Cell::from_sqlite`].

use entity::{
    event::EventKind,
    membership::MembershipRole,
    place::PlaceKind,
    statement::{AlternateNames, CountQualifier, EvidenceKind},
};
use rusqlite::types::ValueRef;
use sea_orm::{ActiveEnum, DbErr, FromQueryResult, QueryResult, TryGetable};

/// A row whose values are read by position.
pub trait Cells {
    /// The value at `at` (0-based) as a `T`.
    fn cell<T: Cell>(&self, at: usize) -> Result<T, DbErr>;

    /// The whole row as a model, its columns found by name (`SELECT t.*`, the resolvers'
    /// pages).
    fn by_name<M: FromQueryResult>(&self) -> Result<M, DbErr>;
}

/// How a statement's rows become values, whichever driver read them: a plain description
/// (positions, sort, columns), so that it can go to the thread that steps the statement.
pub trait ReadRow: Send + 'static {
    type Output: Send + 'static;
    fn read<R: Cells>(&self, row: &R) -> Result<Self::Output, DbErr>;
}

/// A value type a row can hold: SeaORM decodes it, and it decodes from a SQLite value.
pub trait Cell: TryGetable + Sized {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, DbErr>;
}

impl Cells for QueryResult {
    fn cell<T: Cell>(&self, at: usize) -> Result<T, DbErr> {
        self.try_get_by_index(at)
    }

    fn by_name<M: FromQueryResult>(&self) -> Result<M, DbErr> {
        M::from_query_result(self, "")
    }
}

impl Cells for rusqlite::Row<'_> {
    fn cell<T: Cell>(&self, at: usize) -> Result<T, DbErr> {
        let value = self
            .get_ref(at)
            .map_err(|err| DbErr::Type(format!("column {at}: {err}")))?;
        T::from_sqlite(value)
    }

    /// Not offered: the synchronous reader reads the selected columns by position, so a whole
    /// row (whose column order is the table's, not the entity's) is refused.
    fn by_name<M: FromQueryResult>(&self) -> Result<M, DbErr> {
        Err(DbErr::Custom(
            "the synchronous reader reads selected columns only, not whole rows".into(),
        ))
    }
}

/// The error for a value of the wrong SQLite type.
fn mismatch(value: ValueRef<'_>, wanted: &str) -> DbErr {
    DbErr::Type(format!(
        "a {:?} value where {wanted} was expected",
        value.data_type()
    ))
}

impl Cell for i64 {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, DbErr> {
        match value {
            ValueRef::Integer(n) => Ok(n),
            other => Err(mismatch(other, "an integer")),
        }
    }
}

impl Cell for i32 {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, DbErr> {
        let n = i64::from_sqlite(value)?;
        i32::try_from(n)
            .map_err(|_| DbErr::Type(format!("{n} is out of range for a 32-bit integer")))
    }
}

impl Cell for f64 {
    /// A REAL, or an INTEGER (as SQLite converts it), where sqlx accepts only a REAL: the
    /// columns read this way (coordinates, the `REAL` affinity) always hold REALs or NULL.
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, DbErr> {
        match value {
            ValueRef::Real(x) => Ok(x),
            #[allow(clippy::cast_precision_loss)] // as SQLite itself converts it
            ValueRef::Integer(n) => Ok(n as f64),
            other => Err(mismatch(other, "a number")),
        }
    }
}

impl Cell for String {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, DbErr> {
        match value {
            ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                .map(str::to_owned)
                .map_err(|err| DbErr::Type(err.to_string())),
            other => Err(mismatch(other, "text")),
        }
    }
}

impl<T: Cell> Cell for Option<T>
where
    Option<T>: TryGetable,
{
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, DbErr> {
        match value {
            ValueRef::Null => Ok(None),
            value => T::from_sqlite(value).map(Some),
        }
    }
}

impl Cell for AlternateNames {
    /// A JSON array of names, kept as text.
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, DbErr> {
        let text = String::from_sqlite(value)?;
        serde_json::from_str(&text).map_err(|err| DbErr::Json(err.to_string()))
    }
}

/// `Cell` for enums stored as their text value.
macro_rules! text_enum_cell {
    ($($enum:ty),+ $(,)?) => {$(
        impl Cell for $enum {
            fn from_sqlite(value: ValueRef<'_>) -> Result<Self, DbErr> {
                <$enum as ActiveEnum>::try_from_value(&String::from_sqlite(value)?)
            }
        }
    )+};
}

text_enum_cell!(
    PlaceKind,
    EventKind,
    MembershipRole,
    CountQualifier,
    EvidenceKind
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_values_decode_by_type() {
        assert_eq!(i32::from_sqlite(ValueRef::Integer(7)).unwrap(), 7);
        assert!(i32::from_sqlite(ValueRef::Integer(i64::MAX)).is_err());
        assert!(i32::from_sqlite(ValueRef::Text(b"7")).is_err());
        assert_eq!(f64::from_sqlite(ValueRef::Integer(3)).unwrap(), 3.0);
        assert_eq!(
            Option::<f64>::from_sqlite(ValueRef::Null).unwrap(),
            None::<f64>
        );
        assert_eq!(
            Option::<String>::from_sqlite(ValueRef::Text("Gdańsk".as_bytes())).unwrap(),
            Some("Gdańsk".to_owned())
        );
        assert_eq!(
            AlternateNames::from_sqlite(ValueRef::Text(br#"["Danzig"]"#)).unwrap(),
            AlternateNames(vec!["Danzig".into()])
        );
        assert!(MembershipRole::from_sqlite(ValueRef::Text(b"no such role")).is_err());
    }
}
