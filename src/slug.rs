//! Slugs: lowercase ASCII words joined by '-', diacritics dropped ("Düsseldorf" -> "dusseldorf").

/// Turns a name into its slug. Returns an empty string when the name has no letters or digits.
pub fn slugify(name: &str) -> String {
    entity::fold(name)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// True when `slug` is already in the form `slugify` produces.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty() && slugify(slug) == slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_diacritics_and_joins_words() {
        assert_eq!(slugify("Düsseldorf"), "dusseldorf");
        assert_eq!(slugify("Tel Aviv-Yafo"), "tel-aviv-yafo");
        assert_eq!(slugify("Kraków"), "krakow");
        assert_eq!(slugify("  Niš  "), "nis");
        assert_eq!(slugify("C40"), "c40");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn validates_slugs() {
        assert!(is_valid_slug("masovian-voivodeship"));
        assert!(!is_valid_slug("Masovian Voivodeship"));
        assert!(!is_valid_slug("a--b"));
        assert!(!is_valid_slug(""));
    }
}
