//! Refusing to delete what others still refer to, unless the caller asked for a cascade.

use crate::error::AppError;

/// The `CONFLICT` refusing to delete `what` (about `field`) while `references` (counts with
/// their nouns) still refer to it; `None` when nothing does.
pub(super) fn still_referenced(
    field: &str,
    what: &str,
    references: &[(u64, &str)],
) -> Option<AppError> {
    let named: Vec<String> = references
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, noun)| format!("{count} {noun}"))
        .collect();
    if named.is_empty() {
        return None;
    }
    Some(
        AppError::Conflict(format!(
            "{what} is still referenced by {}. Remove those first, or pass `cascade: true` to \
             delete them with it.",
            named.join(", ")
        ))
        .at(field),
    )
}
