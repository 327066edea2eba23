//! Checking mutation input. Each check names the field it is about, so the client's error says
//! exactly which value to fix (`extensions.field`, e.g. `input.countryCode`).

use async_graphql::ID;
use chrono::Datelike;
use sea_orm::{
    sea_query::ExprTrait, ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait,
    DatabaseTransaction, DbBackend, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Select,
    SqlErr, Statement, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::{
    error::{AppError, AppResult},
    schema::ids::{self, NodeType},
    slug::{is_valid_slug, slugify},
};

/// The earliest year a membership, founding or event may state.
pub const FIRST_YEAR: i32 = 1800;

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::BadUserInput(message.into()).at(field)
}

/// A required text: trimmed, not empty, at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(bad(field, format!("`{field}` must not be empty.")));
    }
    if value.chars().count() > max {
        return Err(bad(
            field,
            format!("`{field}` may hold at most {max} characters."),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(bad(
            field,
            format!("`{field}` must not contain control characters."),
        ));
    }
    Ok(value.to_owned())
}

/// An optional text: as [`text`] when given; an empty string clears it.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => text(field, value, max).map(Some),
    }
}

/// The current year, by the server's clock.
pub fn current_year() -> i32 {
    chrono::Utc::now().year()
}

/// A year from [`FIRST_YEAR`] to the current year.
pub fn year(field: &str, value: Option<i32>) -> AppResult<Option<i32>> {
    match value {
        Some(year) if !(FIRST_YEAR..=current_year()).contains(&year) => Err(bad(
            field,
            format!(
                "`{field}` must be a year from {FIRST_YEAR} to {}, got {year}.",
                current_year()
            ),
        )),
        _ => Ok(value),
    }
}

/// An ISO 3166-1 alpha-2 country code, stored in capitals ("de" becomes "DE").
pub fn country_code(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    let Some(code) = value.map(str::trim) else {
        return Ok(None);
    };
    if code.len() != 2 || celes::Country::from_alpha2(code).is_err() {
        return Err(bad(
            field,
            format!(
                "`{field}` must be an ISO 3166-1 alpha-2 country code such as DE, got {code:?}."
            ),
        ));
    }
    Ok(Some(code.to_ascii_uppercase()))
}

/// A latitude (`limit` 90) or longitude (`limit` 180) in degrees.
pub fn coordinate(field: &str, value: Option<f64>, limit: f64) -> AppResult<Option<f64>> {
    match value {
        Some(degrees) if !(-limit..=limit).contains(&degrees) => Err(bad(
            field,
            format!("`{field}` must be from -{limit} to {limit} degrees, got {degrees}."),
        )),
        _ => Ok(value),
    }
}

/// A count that a source states: zero or more.
pub fn count(field: &str, value: Option<i32>) -> AppResult<Option<i32>> {
    match value {
        Some(n) if n < 0 => Err(bad(field, format!("`{field}` must not be negative."))),
        _ => Ok(value),
    }
}

/// A slug the client chose: it must already be in slug form.
pub fn slug(field: &str, value: &str) -> AppResult<String> {
    if is_valid_slug(value) && value.len() <= 100 {
        Ok(value.to_owned())
    } else {
        Err(bad(
            field,
            format!(
                "`{field}` must be lowercase ASCII words joined by '-' (at most 100 characters), \
                 such as {:?}; got {value:?}.",
                slugify(value)
            ),
        ))
    }
}

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

/// The row `id` of `E`, or `NOT_FOUND` about `field`.
pub async fn existing<E, C>(db: &C, field: &str, id: i32) -> AppResult<E::Model>
where
    E: EntityTrait,
    E::PrimaryKey: sea_orm::PrimaryKeyTrait<ValueType = i32>,
    C: ConnectionTrait,
{
    E::find_by_id(id).one(db).await?.ok_or_else(|| {
        AppError::NotFound(format!("`{field}` names nothing that exists.")).at(field)
    })
}

/// A slug for a new record: `requested` if given (and free), otherwise made from `name`, with
/// `-2`, `-3`, … appended until no other row of `E` has it.
async fn free_slug<E, C>(
    db: &C,
    column: E::Column,
    requested: Option<&str>,
    name: &str,
) -> AppResult<String>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    if let Some(requested) = requested {
        let slug = slug("input.slug", requested)?;
        if slug_taken::<E, C>(db, column, &slug).await? {
            return Err(
                AppError::Conflict(format!("The slug {slug:?} is already taken.")).at("input.slug"),
            );
        }
        return Ok(slug);
    }
    let base: String = slugify(name).chars().take(90).collect();
    let base = base.trim_end_matches('-').to_owned();
    if base.is_empty() {
        return Err(bad(
            "input.name",
            "`input.name` needs at least one letter or digit to make a slug from; or give \
             `input.slug`.",
        ));
    }
    let taken: Vec<String> = slugs_like::<E>(column, &base).into_tuple().all(db).await?;
    let free = std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or(base);
    Ok(free)
}

/// How often a create retries with another generated slug before giving up.
const SLUG_ATTEMPTS: usize = 5;

/// Inserts a new record under a free slug (see [`free_slug`]).
///
/// Several server instances may create records of the same name at once. On PostgreSQL each
/// takes a transaction-scoped advisory lock on the slug's base first, so they pick their
/// suffixes one after the other, each seeing the slugs the previous one committed. Should
/// another instance still take the slug between the check and the insert (a name whose base is
/// another's suffixed slug), the insert runs again with the next free one, inside a savepoint
/// so that the failed attempt leaves the transaction usable (PostgreSQL aborts a whole
/// transaction on an error otherwise). SQLite needs neither: its writers are serialised.
pub async fn insert_with_slug<E, A>(
    db: &DatabaseTransaction,
    column: E::Column,
    requested: Option<&str>,
    name: &str,
    build: impl Fn(String) -> A,
) -> AppResult<E::Model>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<A>,
{
    if db.get_database_backend() == DbBackend::Postgres {
        let base = requested
            .map(str::to_owned)
            .unwrap_or_else(|| slugify(name));
        lock_slug_base::<E>(db, &base).await?;
    }
    for _ in 0..SLUG_ATTEMPTS {
        let slug = free_slug::<E, _>(db, column, requested, name).await?;
        let attempt = db.begin().await?;
        match build(slug.clone()).insert(&attempt).await {
            Ok(model) => {
                attempt.commit().await?;
                return Ok(model);
            }
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                attempt.rollback().await?;
                if requested.is_some() {
                    return Err(
                        AppError::Conflict(format!("The slug {slug:?} is already taken."))
                            .at("input.slug"),
                    );
                }
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(AppError::Conflict(
        "No free slug was found for this name (other writers took each one); try again, or \
         give `input.slug`."
            .into(),
    )
    .at("input.name"))
}

/// Waits for, and holds until the transaction ends, PostgreSQL's advisory lock on the slugs of
/// `E` made from `base`.
async fn lock_slug_base<E: EntityTrait>(db: &DatabaseTransaction, base: &str) -> AppResult<()> {
    let digest = Sha256::digest(format!(
        "citynet slug {} {base}",
        std::any::type_name::<E>()
    ));
    let mut key = [0u8; 8];
    key.copy_from_slice(&digest[..8]);
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [i64::from_be_bytes(key).into()],
    ))
    .await?;
    Ok(())
}

/// The slugs of `E` equal to `base` or starting with `base-`.
fn slugs_like<E: EntityTrait>(column: E::Column, base: &str) -> Select<E> {
    // Slugs hold only [a-z0-9-], so `base` carries no LIKE wildcards.
    E::find()
        .select_only()
        .column(column)
        .filter(column.eq(base).or(column.like(format!("{base}-%"))))
}

/// The slug of a record after an update: `requested` when given and different (it must be in
/// slug form and free), otherwise `current`.
pub async fn changed_slug<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    column: E::Column,
    requested: Option<&str>,
    current: &str,
) -> AppResult<String> {
    match requested {
        Some(requested) if requested != current => {
            let slug = slug("input.slug", requested)?;
            if slug_taken::<E, C>(db, column, &slug).await? {
                return Err(
                    AppError::Conflict(format!("The slug {slug:?} is already taken."))
                        .at("input.slug"),
                );
            }
            Ok(slug)
        }
        _ => Ok(current.to_owned()),
    }
}

/// True when some row of `E` has `slug`.
async fn slug_taken<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    column: E::Column,
    slug: &str,
) -> AppResult<bool> {
    let found: Option<String> = E::find()
        .select_only()
        .column(column)
        .filter(column.eq(slug))
        .into_tuple()
        .one(db)
        .await?;
    Ok(found.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(text("input.name", "  Rostock ", 10).unwrap(), "Rostock");
        assert_eq!(
            text("input.name", "   ", 10).unwrap_err().code(),
            ErrorCode::BadUserInput
        );
        assert_eq!(
            text("input.name", "abcdefghijk", 10).unwrap_err().field(),
            Some("input.name")
        );
        assert!(text("input.name", "a\u{0}b", 10).is_err());
        assert_eq!(optional_text("input.topic", Some(" "), 10).unwrap(), None);
    }

    #[test]
    fn years_countries_and_coordinates_are_checked() {
        assert!(year("input.since", Some(1799)).is_err());
        assert!(year("input.since", Some(current_year() + 1)).is_err());
        assert_eq!(year("input.since", Some(1991)).unwrap(), Some(1991));
        assert_eq!(
            country_code("input.countryCode", Some("de")).unwrap(),
            Some("DE".into())
        );
        for bad_code in ["XX", "DEU", "D", "ZZ", "1A"] {
            assert!(
                country_code("input.countryCode", Some(bad_code)).is_err(),
                "{bad_code}"
            );
        }
        assert!(coordinate("input.latitude", Some(90.5), 90.0).is_err());
        assert!(coordinate("input.longitude", Some(-180.0), 180.0).is_ok());
        assert!(count("input.reportedMemberCount", Some(-1)).is_err());
    }

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
