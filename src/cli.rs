//! The `citynet` command line, parsed by clap: every subcommand and flag, their help, and their
//! conversion into the plain types the logic modules take ([`generate::Plan`],
//! [`export::Format`]). Nothing else in the crate knows clap.
//!
//! The flag names and defaults are an API (scripts and the README use them): change them only
//! with the README. No subcommand is `serve`, so that `cargo run --release` serves.

use std::path::PathBuf;

use clap::{builder::PossibleValuesParser, builder::TypedValueParser, Args, Parser, Subcommand};

use crate::{data::export, generate};

/// Configuration comes from the environment (and a `.env` file), not from flags.
const CONFIGURATION: &str =
    "Configuration is read from environment variables (DATABASE_URL, HOST, \
PORT, RUST_LOG, API_TOKENS, …) and from a .env file in the working directory or a parent \
directory; see the README's Configuration section.";

/// A GraphQL API over the networks cities form. With no command, serves.
#[derive(Debug, Parser)]
#[command(name = "citynet", version, about, after_help = CONFIGURATION)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The command to run: `serve` when none is named.
    pub fn command_or_serve(self) -> Command {
        self.command.unwrap_or(Command::Serve)
    }
}

/// What `citynet` does.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, seed it when empty, and serve GraphQL (the default)
    #[command(after_help = CONFIGURATION)]
    Serve,
    /// Print the GraphQL schema (SDL) to standard output
    Schema,
    /// Migrate the database and load the seed data into it when empty, then exit
    #[command(after_help = CONFIGURATION)]
    Seed,
    /// Fill an empty database with a deterministic synthetic world, for benchmarks
    #[command(after_help = CONFIGURATION)]
    Generate(GenerateArgs),
    /// Write the whole database as records (JSON or TOML), to standard output or a file
    #[command(after_help = CONFIGURATION)]
    Export(ExportArgs),
    /// Read records from TOML, JSON or CSV files into the database, all or nothing
    #[command(after_help = CONFIGURATION)]
    Import(ImportArgs),
}

/// `citynet generate`'s flags; anything not given keeps [`generate::Plan`]'s default.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Places to generate (at least 1)
    #[arg(long, value_name = "N", default_value_t = generate::Plan::default().places, value_parser = at_least_one)]
    pub places: usize,
    /// Networks to generate (at least 1)
    #[arg(long, value_name = "M", default_value_t = generate::Plan::default().networks, value_parser = at_least_one)]
    pub networks: usize,
    /// Memberships to aim for (duplicates drawn are dropped, so a few less are written)
    #[arg(long, value_name = "K", default_value_t = generate::Plan::default().memberships)]
    pub memberships: usize,
    /// Events to generate
    #[arg(long, value_name = "E", default_value_t = generate::Plan::default().events)]
    pub events: usize,
    /// Seed of the random generator: the same seed gives the same world
    #[arg(long, value_name = "S", default_value_t = generate::Plan::default().seed)]
    pub seed: u64,
}

impl GenerateArgs {
    /// The plan these flags describe.
    pub fn plan(&self) -> generate::Plan {
        generate::Plan {
            places: self.places,
            networks: self.networks,
            memberships: self.memberships,
            events: self.events,
            seed: self.seed,
        }
    }
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("takes a whole number, got {text:?}")),
    }
}

/// `citynet export`'s flags.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file format
    #[arg(
        long,
        default_value = "json",
        value_parser = PossibleValuesParser::new(["json", "toml"])
            .try_map(|format| format.parse::<export::Format>()),
    )]
    pub format: export::Format,
    /// Write to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `citynet import`'s files and flags.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files to import: TOML (like seeds/*.toml), JSON (an export) or CSV (places or memberships)
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Check everything and print the summary, but write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{error::ErrorKind, CommandFactory};

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("citynet").chain(args.iter().copied()))
            .map(Cli::command_or_serve)
    }

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_command_serves() {
        assert!(matches!(parse(&[]), Ok(Command::Serve)));
        assert!(matches!(parse(&["serve"]), Ok(Command::Serve)));
    }

    #[test]
    fn generate_arguments_parse_and_unknown_ones_fail() {
        let Ok(Command::Generate(args)) = parse(&["generate", "--places", "10", "--seed", "3"])
        else {
            panic!("generate parses");
        };
        let plan = args.plan();
        assert_eq!((plan.places, plan.seed, plan.networks), (10, 3, 2_000));
        let Ok(Command::Generate(args)) = parse(&["generate"]) else {
            panic!("generate parses");
        };
        assert_eq!(args.plan(), generate::Plan::default());
        for bad in [
            &["generate", "--bogus", "1"][..],
            &["generate", "--places"],
            &["generate", "--places", "ten"],
            &["generate", "--places", "0"],
            &["generate", "--networks", "0"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} must fail");
        }
    }

    #[test]
    fn export_arguments_keep_their_defaults() {
        let Ok(Command::Export(args)) = parse(&["export"]) else {
            panic!("export parses");
        };
        assert_eq!((args.format, args.out), (export::Format::Json, None));
        let Ok(Command::Export(args)) = parse(&["export", "--format", "toml", "--out", "all.toml"])
        else {
            panic!("export parses");
        };
        assert_eq!(args.format, export::Format::Toml);
        assert_eq!(args.out, Some(PathBuf::from("all.toml")));
        assert!(parse(&["export", "--format", "xml"]).is_err());
        assert!(parse(&["export", "--out"]).is_err());
        assert!(parse(&["export", "stray"]).is_err());
    }

    #[test]
    fn import_needs_a_file_and_takes_dry_run_anywhere() {
        let Ok(Command::Import(args)) = parse(&["import", "a.json", "--dry-run", "b.csv"]) else {
            panic!("import parses");
        };
        assert_eq!(
            args.files,
            [PathBuf::from("a.json"), PathBuf::from("b.csv")]
        );
        assert!(args.dry_run);
        let missing = parse(&["import", "--dry-run"]).map(|_| ());
        assert!(matches!(missing, Err(e) if e.kind() == ErrorKind::MissingRequiredArgument));
        assert!(parse(&["import", "a.json", "--force"]).is_err());
    }

    #[test]
    fn commands_without_flags_refuse_them() {
        for bad in [
            &["seed", "--port", "9000"][..],
            &["schema", "--bogus"],
            &["serve", "x"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} must fail");
        }
    }
}
