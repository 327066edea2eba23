//! How a front end names the values of one write, so that errors found deep in the service
//! layer (a slug taken, a referenced place missing) still point at the value at fault.

/// The path under which a front end names a write's values: `input` for a GraphQL mutation's
/// argument (so `field("slug")` is `input.slug`), a record's path for the import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputPath(String);

impl InputPath {
    pub fn new(root: impl Into<String>) -> Self {
        Self(root.into())
    }

    /// The path of one field, e.g. `input.foundedInId`.
    pub fn field(&self, name: &str) -> String {
        format!("{}.{name}", self.0)
    }

    /// The path of one item of a list field, e.g. `input.participantIds[2]`.
    pub fn item(&self, list: &str, index: usize) -> String {
        format!("{}.{list}[{index}]", self.0)
    }
}
