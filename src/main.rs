//! The `citynet` command: a thin shim over the library. `citynet --help` lists the commands
//! and `citynet COMMAND --help` their flags ([`citynet::cli`] defines both):
//!
//! - `citynet` (or `citynet serve`): migrate, seed when empty, serve.
//! - `citynet schema`: print the GraphQL schema (SDL).
//! - `citynet seed`: migrate and seed an empty database, then exit.
//! - `citynet generate [--places N --networks M --memberships K --events E --seed S]`: migrate
//!   and fill an empty database with a synthetic world for benchmarks.
//! - `citynet export [--format json|toml] [--out FILE]`: the whole database, as records.
//! - `citynet import FILE… [--dry-run]`: records from TOML, JSON or CSV files, all or nothing.

use std::process::ExitCode;

use clap::Parser;

use citynet::{
    app,
    cli::{Cli, Command, ExportArgs, ImportArgs},
    config::Settings,
    data::import::Input,
    schema,
    telemetry::{self, Logs},
};

/// mimalloc instead of glibc's allocator: a GraphQL response is built from many small,
/// short-lived allocations, and glibc's malloc and free were a quarter of the server's
/// instructions on a nested query (BENCHMARKS.md, run 3).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Parses the command line first (`--help`, `--version` and a usage error, exit status 2, end
/// here, before any runtime, database or socket), then runs the command.
fn main() -> ExitCode {
    let command = Cli::parse().command_or_serve();
    actix_web::rt::System::new().block_on(async move {
        match command {
            Command::Schema => {
                print!("{}", schema::sdl());
                ExitCode::SUCCESS
            }
            Command::Serve => run(serve, Logs::Stdout).await,
            Command::Seed => run(seed, Logs::Stdout).await,
            Command::Generate(args) => {
                let plan = args.plan();
                run(|settings| generate(settings, plan), Logs::Stdout).await
            }
            Command::Export(args) => run(|settings| export(settings, args), Logs::Stderr).await,
            Command::Import(args) => run(|settings| import(settings, args), Logs::Stderr).await,
        }
    })
}

/// Loads `.env` and the settings, starts logging, runs `task`; any failure is one line on stderr
/// and a non-zero exit code.
async fn run<F, Fut>(task: F, logs: Logs) -> ExitCode
where
    F: FnOnce(Settings) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    if let Err(err) = dotenvy::dotenv() {
        if !err.not_found() {
            eprintln!("error: .env: {err}");
            return ExitCode::from(2);
        }
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let _telemetry = match telemetry::init(
        &settings.log_filter,
        settings.log_format,
        settings.traces.as_ref(),
        logs,
    ) {
        Ok(telemetry) => telemetry,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    match task(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    app::Application::build(&settings)
        .await?
        .run_until_stopped()
        .await
}

async fn seed(settings: Settings) -> anyhow::Result<()> {
    app::prepare_database(&settings).await?.close().await?;
    Ok(())
}

/// The database of a command that reads or writes it whole (no statement time limit), migrated.
async fn open_and_migrate(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    use anyhow::Context;
    let db = app::open_for_maintenance(settings).await?;
    citynet::db::migrate(&db)
        .await
        .context("migrating the database")?;
    Ok(db)
}

async fn export(settings: Settings, args: ExportArgs) -> anyhow::Result<()> {
    let db = open_and_migrate(&settings).await?;
    match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", path.display()))?;
            citynet::data::export::export(&db, args.format, file).await?;
        }
        None => citynet::data::export::export(&db, args.format, std::io::stdout().lock()).await?,
    }
    db.close().await?;
    Ok(())
}

async fn import(settings: Settings, args: ImportArgs) -> anyhow::Result<()> {
    let db = open_and_migrate(&settings).await?;
    let inputs: Vec<Input<'_>> = args.files.iter().map(|f| Input::File(f.as_ref())).collect();
    let result = citynet::data::import::import(&db, &inputs, args.dry_run).await;
    db.close().await?;
    let summary = result?;
    if args.dry_run {
        println!("dry run: nothing was written; an import would change:");
    }
    print!("{summary}");
    Ok(())
}

async fn generate(settings: Settings, plan: citynet::generate::Plan) -> anyhow::Result<()> {
    let db = open_and_migrate(&settings).await?;
    citynet::generate::generate(&db, &plan).await?;
    db.close().await?;
    Ok(())
}
