//! Slugs are unique per record type. A create takes the requested slug if it is free, or makes
//! one from the name ("rostock", then "rostock-2", …); an update keeps the slug unless a new
//! one is requested.

use sea_orm::{
    sea_query::ExprTrait, ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait,
    DatabaseTransaction, DbBackend, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Select,
    SqlErr, Statement, TransactionTrait,
};
use sha2::{Digest, Sha256};

use super::Edit;
use crate::{
    domain::{InputPath, Name, Slug},
    error::{AppError, AppResult},
};

/// How often a create retries with another generated slug before giving up.
const SLUG_ATTEMPTS: usize = 5;

/// Inserts a new record under a free slug (see [`free_slug`]), built by `build`.
///
/// Several server instances may create records of the same name at once. On PostgreSQL each
/// takes a transaction-scoped advisory lock on the slug's base first, so they pick their
/// suffixes one after the other, each seeing the slugs the previous one committed. Should
/// another instance still take the slug between the check and the insert (a name whose base is
/// another's suffixed slug), the insert runs again with the next free one, inside a savepoint
/// so that the failed attempt leaves the transaction usable (PostgreSQL aborts a whole
/// transaction on an error otherwise). SQLite needs neither: its writers are serialised.
pub(super) async fn insert_with_slug<E, A>(
    db: &DatabaseTransaction,
    column: E::Column,
    requested: Option<&Slug>,
    name: &Name,
    at: &InputPath,
    build: impl Fn(Slug) -> A,
) -> AppResult<E::Model>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<A>,
{
    if db.get_database_backend() == DbBackend::Postgres {
        // The base exactly as `free_slug` makes it (cut to its length), so that two names
        // whose slugs differ only past the cut wait for the same lock.
        let base = requested
            .cloned()
            .or_else(|| Slug::from_name(name.as_str()))
            .map_or_else(String::new, Slug::into_inner);
        lock_slug_base::<E>(db, &base).await?;
    }
    for _ in 0..SLUG_ATTEMPTS {
        let slug = free_slug::<E, _>(db, column, requested, name, at).await?;
        let attempt = db.begin().await?;
        match build(slug.clone()).insert(&attempt).await {
            Ok(model) => {
                attempt.commit().await?;
                return Ok(model);
            }
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                attempt.rollback().await?;
                if requested.is_some() {
                    return Err(taken(&slug, at));
                }
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(AppError::Conflict(format!(
        "No free slug was found for this name (other writers took each one); try again, or \
         give `{}`.",
        at.field("slug")
    ))
    .at(at.field("name")))
}

/// The slug of a record after an update: the requested one when it differs from `current`
/// (it must be free), otherwise `current`.
pub(super) async fn changed_slug<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    column: E::Column,
    requested: Edit<Slug>,
    current: String,
    at: &InputPath,
) -> AppResult<String> {
    match requested {
        Edit::To(slug) if slug.as_str() != current => {
            if slug_taken::<E, C>(db, column, slug.as_str()).await? {
                return Err(taken(&slug, at));
            }
            Ok(slug.into_inner())
        }
        _ => Ok(current),
    }
}

/// A slug for a new record: `requested` if given (and free), otherwise made from `name`, with
/// `-2`, `-3`, … appended until no other row of `E` has it.
async fn free_slug<E, C>(
    db: &C,
    column: E::Column,
    requested: Option<&Slug>,
    name: &Name,
    at: &InputPath,
) -> AppResult<Slug>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    if let Some(requested) = requested {
        if slug_taken::<E, C>(db, column, requested.as_str()).await? {
            return Err(taken(requested, at));
        }
        return Ok(requested.clone());
    }
    let Some(base) = Slug::from_name(name.as_str()) else {
        let field = at.field("name");
        return Err(AppError::BadUserInput(format!(
            "`{field}` needs at least one letter or digit to make a slug from; or give `{}`.",
            at.field("slug")
        ))
        .at(field));
    };
    let taken: Vec<String> = slugs_like::<E>(column, base.as_str())
        .into_tuple()
        .all(db)
        .await?;
    let is_free = |candidate: &Slug| !taken.iter().any(|slug| slug == candidate.as_str());
    if is_free(&base) {
        return Ok(base);
    }
    Ok((2..)
        .map(|n| base.numbered(n))
        .find(is_free)
        .unwrap_or(base))
}

/// The `CONFLICT` about a requested slug that another record has.
fn taken(slug: &Slug, at: &InputPath) -> AppError {
    AppError::Conflict(format!("The slug {:?} is already taken.", slug.as_str()))
        .at(at.field("slug"))
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
