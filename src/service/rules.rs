//! The rules that span fields or records, stated once for every writer: the mutations (through
//! the aggregates' modules) and `citynet import`'s checks (which report every broken rule of a
//! file at once, before anything is written) both ask here. Each returns the reason a record
//! breaks it; the caller names the field in its own terms (`input.twinId`, `places`).

use entity::statement::CountQualifier;

/// A count's qualifier ("about", "more than") qualifies a count: none without one.
pub fn qualifier_needs_count(
    count: Option<i32>,
    qualifier: Option<CountQualifier>,
) -> Result<(), &'static str> {
    if qualifier.is_some() && count.is_none() {
        return Err("a qualifier needs the count it qualifies");
    }
    Ok(())
}

/// A place is not twinned with itself.
pub fn twins_differ<T: PartialEq>(place: &T, twin: &T) -> Result<(), &'static str> {
    if place == twin {
        return Err("a place cannot be twinned with itself");
    }
    Ok(())
}

/// What names a membership among all: its place and network (one membership each pair).
pub fn membership_key<T>(place: T, network: T) -> (T, T) {
    (place, network)
}

/// What names an event among all: its network, year, title and host (one event each).
pub fn event_key<N, H>(
    network: N,
    year: Option<i32>,
    title: &str,
    host: Option<H>,
) -> (N, Option<i32>, String, Option<H>) {
    (network, year, title.to_owned(), host)
}

/// A twinning's pair, the same whichever side it is given from.
pub fn twinning_key<T: Ord>(a: T, b: T) -> (T, T) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules() {
        assert!(qualifier_needs_count(None, Some(CountQualifier::About)).is_err());
        assert!(qualifier_needs_count(Some(60), Some(CountQualifier::MoreThan)).is_ok());
        assert!(qualifier_needs_count(None, None).is_ok());
        assert!(twins_differ(&1, &1).is_err());
        assert!(twins_differ(&1, &2).is_ok());
        assert_eq!(twinning_key("b", "a"), twinning_key("a", "b"));
        assert_ne!(
            event_key(1, Some(2020), "Summit", Some(3)),
            event_key(1, Some(2020), "Summit", None::<i32>)
        );
    }
}
