//! The floor of a W1 read on each SQLite driver: how fast an actix-web server can answer
//! `{ cities(first: N) { nodes { id name countryCode } } }` with no GraphQL at all — it reads the
//! page size from the body, runs the planned path's own page statement and writes the answer's
//! bytes by hand. `bench/floor` runs it beside Citynet and the reference (`reference_server`);
//! BENCHMARKS.md run 16 explains what the figures decided.
//!
//! - `sqlx`: the statement through sqlx's SQLite pool, as Citynet runs it (a worker thread per
//!   connection: the statement goes over a channel, every row comes back over another, and the
//!   pool pings the connection's thread when it is returned).
//! - `inline`: the same statement on a synchronous connection (rusqlite over the same bundled
//!   SQLite), one per server thread, run on that thread.
//! - `blocking`: the synchronous connection on tokio's blocking pool (`spawn_blocking`), the
//!   shape a server that must not block its event loop would use.
//!
//! `cargo run --release --example driver_floor -- PORT DATABASE_PATH sqlx|inline|blocking`

use actix_web::{web, App, HttpResponse, HttpServer};
use citynet::schema::ids::{self, NodeType};
use sea_orm::sqlx::{self, sqlite::SqlitePoolOptions, Row, SqlitePool};
use std::{
    cell::RefCell,
    path::{Path, PathBuf},
};

/// The allocator Citynet's binary uses (src/main.rs), so that the floor allocates as it does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The statement Citynet's planned path runs for W1 (its `sqlx::query` log line).
const PAGE: &str =
    "SELECT \"t\".\"id\" AS \"__key\", ? AS \"__sort\", \"t\".\"id\", \"t\".\"name\", \
     \"t\".\"country_code\" FROM \"places\" AS \"t\" ORDER BY \"t\".\"id\" ASC LIMIT ?";

#[derive(Clone)]
enum Driver {
    Sqlx(SqlitePool),
    Inline(PathBuf),
    Blocking(PathBuf),
}

/// One place of the page, as the answer needs it.
struct Place {
    id: i32,
    name: String,
    country_code: Option<String>,
}

thread_local! {
    /// The synchronous connection of this thread, opened on its first request.
    static CONNECTION: RefCell<Option<rusqlite::Connection>> = const { RefCell::new(None) };
}

/// The page size of a `cities(first: N)` document; 50 when the body names none.
fn page_size(body: &[u8]) -> i64 {
    std::str::from_utf8(body)
        .ok()
        .and_then(|text| text.split("first: ").nth(1))
        .and_then(|rest| rest.split(')').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or(50)
}

fn answer(places: &[Place]) -> Result<String, serde_json::Error> {
    let mut out = String::with_capacity(64 + places.len() * 64);
    out.push_str(r#"{"data":{"cities":{"nodes":["#);
    for (index, place) in places.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        // Citynet's own encoder: the same bytes, and the same work.
        let id = ids::encode(NodeType::City, place.id);
        out.push_str(r#"{"id":""#);
        out.push_str(&id.0);
        out.push_str(r#"","name":"#);
        out.push_str(&serde_json::to_string(&place.name)?);
        out.push_str(r#","countryCode":"#);
        out.push_str(&serde_json::to_string(&place.country_code)?);
        out.push('}');
    }
    out.push_str("]}}}");
    Ok(out)
}

async fn read_with_sqlx(pool: &SqlitePool, size: i64) -> Result<Vec<Place>, sqlx::Error> {
    let rows = sqlx::query(PAGE)
        .bind(0)
        .bind(size + 1)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .take(usize::try_from(size).unwrap_or(0))
        .map(|row| {
            Ok(Place {
                id: row.try_get(2)?,
                name: row.try_get(3)?,
                country_code: row.try_get(4)?,
            })
        })
        .collect()
}

fn read_synchronously(path: &Path, size: i64) -> rusqlite::Result<Vec<Place>> {
    CONNECTION.with(|cell| {
        let mut slot = cell.borrow_mut();
        let connection = match slot.as_mut() {
            Some(connection) => connection,
            None => slot.insert(rusqlite::Connection::open(path)?),
        };
        let mut statement = connection.prepare_cached(PAGE)?;
        let places = statement.query_map(rusqlite::params![0, size + 1], |row| {
            Ok(Place {
                id: row.get(2)?,
                name: row.get(3)?,
                country_code: row.get(4)?,
            })
        })?;
        places.take(usize::try_from(size).unwrap_or(0)).collect()
    })
}

async fn read(driver: &Driver, size: i64) -> Result<Vec<Place>, String> {
    match driver {
        Driver::Sqlx(pool) => read_with_sqlx(pool, size).await.map_err(|e| e.to_string()),
        Driver::Inline(path) => read_synchronously(path, size).map_err(|e| e.to_string()),
        Driver::Blocking(path) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || read_synchronously(&path, size))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())
        }
    }
}

async fn graphql(driver: web::Data<Driver>, body: web::Bytes) -> HttpResponse {
    let answered = read(&driver, page_size(&body))
        .await
        .and_then(|places| answer(&places).map_err(|e| e.to_string()));
    match answered {
        Ok(json) => HttpResponse::Ok()
            .content_type("application/json")
            .body(json),
        Err(error) => HttpResponse::InternalServerError().body(error),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(port), Some(path), Some(mode)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: driver_floor PORT DATABASE_PATH sqlx|inline|blocking");
        std::process::exit(2);
    };
    let port: u16 = port
        .parse()
        .map_err(|_| std::io::Error::other(format!("not a port: {port}")))?;
    let path = PathBuf::from(path);
    let driver = match mode.as_str() {
        "sqlx" => Driver::Sqlx(
            SqlitePoolOptions::new()
                .max_connections(8)
                .connect(&format!("sqlite://{}", path.display()))
                .await
                .map_err(std::io::Error::other)?,
        ),
        "inline" => Driver::Inline(path),
        "blocking" => Driver::Blocking(path),
        other => return Err(std::io::Error::other(format!("not a driver: {other}"))),
    };
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(driver.clone()))
            .route("/graphql", web::post().to(graphql))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
