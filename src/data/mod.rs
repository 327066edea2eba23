//! Data in files (issue 18): the [`records`] that seed files, exports and imports hold;
//! [`export`] writes the database as such records, [`import`] reads them in.

pub mod export;
pub mod import;
pub mod records;
