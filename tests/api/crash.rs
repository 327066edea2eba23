//! Crash safety: the real `citynet` binary is killed with SIGKILL in the middle of a write
//! load, then started again on the same database. Every write it acknowledged must be there,
//! and (SQLite) the database file must pass `PRAGMA integrity_check`.

use std::{
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use serde_json::{json, Value};

use crate::helpers::{TestDatabase, TEST_TOKEN};

/// The `citynet` binary, running until dropped (then killed).
pub struct Process {
    pub child: Child,
    pub address: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// Starts the binary on `database_url` and waits until `/health` answers.
async fn start(database_url: &str, workdir: &std::path::Path) -> Process {
    start_with(database_url, workdir, &[]).await
}

/// Starts the binary on `database_url` with `variables` set too, and waits until `/health`
/// answers.
pub async fn start_with(
    database_url: &str,
    workdir: &std::path::Path,
    variables: &[(&str, &str)],
) -> Process {
    start_logging_to(database_url, workdir, variables, Stdio::null()).await
}

/// [`start_with`], its log (standard output) going to `log`.
pub async fn start_logging_to(
    database_url: &str,
    workdir: &std::path::Path,
    variables: &[(&str, &str)],
    log: Stdio,
) -> Process {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_citynet"))
        .current_dir(workdir)
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("API_TOKENS", TEST_TOKEN)
        .env("RUST_LOG", "warn")
        .envs(variables.iter().copied())
        .stdout(log)
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let process = Process {
        child,
        address: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(response) = client
            .get(format!("{}/health", process.address))
            .send()
            .await
        {
            if response.status().is_success() {
                return process;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not become healthy");
}

/// Creates cities until the server stops answering; returns the ids it acknowledged.
async fn write_until_refused(
    address: String,
    writer: usize,
    acked: Arc<AtomicUsize>,
) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    // The server is killed long before this; the bound only keeps a broken test from hanging.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    for n in 0.. {
        if tokio::time::Instant::now() > deadline {
            break;
        }
        let response = client
            .post(format!("{address}/graphql"))
            .bearer_auth(TEST_TOKEN)
            .json(&json!({
                "query": "mutation($name: String!) { createCity(input: { name: $name }) { city { id } } }",
                "variables": { "name": format!("Crash Writer {writer} City {n}") },
            }))
            .send()
            .await;
        let Ok(response) = response else { break };
        let Ok(body) = response.json::<Value>().await else {
            break;
        };
        if let Some(id) = body["data"]["createCity"]["city"]["id"].as_str() {
            ids.push(id.to_owned());
            acked.fetch_add(1, Ordering::Relaxed);
        }
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_a_sigkill() {
    let database = TestDatabase::new().await;
    let workdir = tempfile::tempdir().expect("a working directory");
    let mut server = start(&database.url, workdir.path()).await;

    let acked = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            tokio::spawn(write_until_refused(
                server.address.clone(),
                writer,
                acked.clone(),
            ))
        })
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::Relaxed) < 300 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server acknowledged only {} writes in a minute",
            acked.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.child.kill().expect("SIGKILL is delivered");
    server.child.wait().expect("the process is gone");
    let written = Arc::new(Mutex::new(Vec::new()));
    for writer in writers {
        let ids = writer.await.expect("a writer finished");
        written.lock().unwrap().extend(ids);
    }
    drop(server);
    let written = written.lock().unwrap().clone();
    assert!(written.len() >= 300, "{} acknowledged", written.len());

    let server = start(&database.url, workdir.path()).await;
    let client = reqwest::Client::new();
    for chunk in written.chunks(100) {
        let body: Value = client
            .post(format!("{}/graphql", server.address))
            .json(&json!({
                "query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                "variables": { "ids": chunk },
            }))
            .send()
            .await
            .expect("the restarted server answers")
            .json()
            .await
            .expect("a JSON body");
        let found: Vec<&str> = body["data"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body:#}"))
            .iter()
            .map(|node| node["id"].as_str().unwrap_or("missing"))
            .collect();
        let expected: Vec<&str> = chunk.iter().map(String::as_str).collect();
        assert_eq!(found, expected, "an acknowledged write was lost");
    }
    drop(server);

    if database.url.starts_with("sqlite:") {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(&database.url)
            .await
            .expect("the file opens");
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await
            .expect("the check runs")
            .expect("a result row");
        let verdict: String = row.try_get_by_index(0).expect("a text verdict");
        assert_eq!(verdict, "ok");
        db.close().await.ok();
    }
}
