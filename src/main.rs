//! The `citynet` command: a thin shim over the library.
//!
//! - `citynet` (or `citynet serve`): migrate, seed when empty, serve.
//! - `citynet schema`: print the GraphQL schema (SDL).
//! - `citynet seed`: migrate and seed an empty database, then exit.
//! - `citynet generate [--places N --networks M --memberships K --events E --seed S]`: migrate
//!   and fill an empty database with a synthetic world for benchmarks.

use std::process::ExitCode;

use citynet::{app, config::Settings, schema, telemetry};

/// mimalloc instead of glibc's allocator: a GraphQL response is built from many small,
/// short-lived allocations, and glibc's malloc and free were a quarter of the server's
/// instructions on a nested query (BENCHMARKS.md, run 3).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: citynet [serve | schema | seed | generate [--places N] [--networks M] \
[--memberships K] [--events E] [--seed S]]";

#[actix_web::main]
async fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    match command.as_deref() {
        None | Some("serve") => run(serve).await,
        Some("seed") => run(seed).await,
        Some("generate") => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            match citynet::generate::Plan::from_args(&args) {
                Ok(plan) => run(|settings| generate(settings, plan)).await,
                Err(err) => {
                    eprintln!("error: {err}\n{USAGE}");
                    ExitCode::from(2)
                }
            }
        }
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
async fn run<F, Fut>(task: F) -> ExitCode
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

async fn generate(settings: Settings, plan: citynet::generate::Plan) -> anyhow::Result<()> {
    let db = citynet::db::connect_for_maintenance(&settings).await?;
    citynet::db::migrate(&db).await?;
    citynet::generate::generate(&db, &plan).await?;
    db.close().await?;
    Ok(())
}
