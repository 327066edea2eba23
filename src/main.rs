//! The `citynet` command: a thin shim over the library.
//!
//! - `citynet` (or `citynet serve`): migrate, seed when empty, serve.
//! - `citynet schema`: print the GraphQL schema (SDL).
//! - `citynet seed`: migrate and seed an empty database, then exit.
//! - `citynet generate [--places N --networks M --memberships K --events E --seed S]`: migrate
//!   and fill an empty database with a synthetic world for benchmarks.
//! - `citynet export [--format json|toml] [--out FILE]`: the whole database, as records.
//! - `citynet import FILE… [--dry-run]`: records from TOML, JSON or CSV files, all or nothing.

use std::process::ExitCode;

use citynet::{
    app,
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

const USAGE: &str = "usage: citynet [serve | schema | seed | generate [--places N] [--networks M] \
[--memberships K] [--events E] [--seed S] | export [--format json|toml] [--out FILE] \
| import FILE... [--dry-run]]";

#[actix_web::main]
async fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    match command.as_deref() {
        None | Some("serve") => run(serve, Logs::Stdout).await,
        Some("seed") => run(seed, Logs::Stdout).await,
        Some("generate") => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            match citynet::generate::Plan::from_args(&args) {
                Ok(plan) => run(|settings| generate(settings, plan), Logs::Stdout).await,
                Err(err) => usage_error(&err.to_string()),
            }
        }
        Some("export") => match ExportArgs::parse(std::env::args().skip(2)) {
            Ok(args) => run(|settings| export(settings, args), Logs::Stderr).await,
            Err(err) => usage_error(&err),
        },
        Some("import") => match ImportArgs::parse(std::env::args().skip(2)) {
            Ok(args) => run(|settings| import(settings, args), Logs::Stderr).await,
            Err(err) => usage_error(&err),
        },
        Some("schema") => {
            print!("{}", schema::sdl());
            ExitCode::SUCCESS
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("error: unknown command {other:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
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

fn usage_error(err: &str) -> ExitCode {
    eprintln!("error: {err}\n{USAGE}");
    ExitCode::from(2)
}

/// `citynet export`'s flags.
struct ExportArgs {
    format: citynet::data::export::Format,
    out: Option<std::path::PathBuf>,
}

impl ExportArgs {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut parsed = Self {
            format: citynet::data::export::Format::Json,
            out: None,
        };
        while let Some(arg) = args.next() {
            let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
            match arg.as_str() {
                "--format" => parsed.format = value("--format")?.parse()?,
                "--out" => parsed.out = Some(value("--out")?.into()),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(parsed)
    }
}

/// `citynet import`'s files and flags.
struct ImportArgs {
    files: Vec<std::path::PathBuf>,
    dry_run: bool,
}

impl ImportArgs {
    fn parse(args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut parsed = Self {
            files: Vec::new(),
            dry_run: false,
        };
        for arg in args {
            match arg.as_str() {
                "--dry-run" => parsed.dry_run = true,
                flag if flag.starts_with("--") => return Err(format!("unknown flag {flag:?}")),
                file => parsed.files.push(file.into()),
            }
        }
        if parsed.files.is_empty() {
            return Err("name at least one file to import".into());
        }
        Ok(parsed)
    }
}

async fn export(settings: Settings, args: ExportArgs) -> anyhow::Result<()> {
    let db = citynet::db::connect_for_maintenance(&settings).await?;
    citynet::db::migrate(&db).await?;
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
    let db = citynet::db::connect_for_maintenance(&settings).await?;
    citynet::db::migrate(&db).await?;
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
    let db = citynet::db::connect_for_maintenance(&settings).await?;
    citynet::db::migrate(&db).await?;
    citynet::generate::generate(&db, &plan).await?;
    db.close().await?;
    Ok(())
}
