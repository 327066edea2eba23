//! The server as a whole: start-up, restart, health, configuration errors.

use std::{process::Command, time::Duration};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestDatabase};

const COUNTS: &str = r#"{ cities { totalCount } networks { totalCount } events { totalCount }
    network(slug: "ubc") { memberships { totalCount } } }"#;

#[tokio::test]
async fn a_restart_on_the_same_database_loads_nothing_twice() {
    let database = TestDatabase::new().await;
    let first = TestApp::builder()
        .settings(database.settings())
        .spawn()
        .await;
    let before = first.data(COUNTS, json!({})).await;
    let second = TestApp::builder()
        .settings(database.settings())
        .spawn()
        .await;
    let after = second.data(COUNTS, json!({})).await;
    assert_eq!(before, after);
    assert_eq!(after["cities"]["totalCount"], 24);
    assert_eq!(after["network"]["memberships"]["totalCount"], 1);

    // And the seed step itself reports that it did nothing.
    let db = citynet::db::connect(&database.settings()).await.unwrap();
    assert!(citynet::seed::seed_if_empty(&db).await.unwrap().is_none());
}

#[tokio::test]
async fn two_instances_on_one_database_answer_identically() {
    let database = TestDatabase::new().await;
    let first = TestApp::builder()
        .settings(database.settings())
        .spawn()
        .await;
    let second = TestApp::builder()
        .settings(database.settings())
        .spawn()
        .await;
    let queries = [
        COUNTS,
        r#"{ city(slug: "berlin") { id memberships(first: 100) { edges { cursor node {
            id role since network { id slug } } } } } }"#,
        r#"{ events(last: 3) { edges { cursor node {
            id title host { id } participants { nodes { id } } } } } }"#,
    ];
    for query in queries {
        let (a, b) = (
            first.gql(query, json!({})).await,
            second.gql(query, json!({})).await,
        );
        assert!(a.get("errors").is_none(), "{a:#}");
        assert_eq!(a, b, "{query}");
    }
}

#[tokio::test]
async fn instances_starting_together_on_an_empty_postgres_database_seed_it_once() {
    if std::env::var("CITYNET_TEST_DATABASE_URL").is_err() {
        return; // SQLite is one process's database; this is about shared PostgreSQL.
    }
    let database = TestDatabase::new().await;
    let (a, b, c) = tokio::join!(
        TestApp::builder().settings(database.settings()).spawn(),
        TestApp::builder().settings(database.settings()).spawn(),
        TestApp::builder().settings(database.settings()).spawn(),
    );
    for app in [a, b, c] {
        let data = app.data(COUNTS, json!({})).await;
        assert_eq!(data["cities"]["totalCount"], 24);
        assert_eq!(data["networks"]["totalCount"], 18);
    }
}

#[tokio::test]
async fn health_reports_ok() {
    let app = TestApp::builder().spawn().await;
    let response = app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

fn citynet(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_citynet"));
    command
        .args(args)
        .current_dir(dir.path())
        .env_remove("RUST_LOG");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("citynet runs")
}

#[test]
fn a_bad_setting_is_one_line_naming_the_variable_and_a_failing_exit() {
    for (variable, value) in [
        ("PORT", "eighty"),
        ("HOST", "not an address"),
        ("DATABASE_URL", "mysql://localhost/citynet"),
        ("DATABASE_MAX_CONNECTIONS", "0"),
        ("RUST_LOG", "info,[[["),
    ] {
        let output = citynet(&[], &[(variable, value)]);
        assert!(!output.status.success(), "{variable}={value} must fail");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(variable), "{stderr}");
    }
}

#[test]
fn a_database_that_cannot_be_opened_or_a_port_in_use_is_one_line_naming_the_variable() {
    let url = "sqlite:///nonexistent/dir/x.db?mode=rwc";
    for command in [&[][..], &["seed"], &["export"]] {
        let output = citynet(command, &[("DATABASE_URL", url)]);
        assert_eq!(output.status.code(), Some(1), "{command:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{command:?}: {stderr}");
        assert!(stderr.contains("DATABASE_URL"), "{command:?}: {stderr}");
        assert!(stderr.contains(url), "{command:?}: {stderr}");
    }
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("x.db");
    let url = format!("sqlite://{}?mode=rwc", database.display());
    let output = citynet(&[], &[("PORT", &port), ("DATABASE_URL", &url)]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert!(stderr.contains("PORT"), "{stderr}");
    assert!(
        !database.exists(),
        "the database was opened before the port was taken"
    );
}

#[test]
fn the_seed_command_creates_and_fills_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("x.db").display());
    let output = Command::new(env!("CARGO_BIN_EXE_citynet"))
        .arg("seed")
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("24 places"), "{log}");
    let again = Command::new(env!("CARGO_BIN_EXE_citynet"))
        .arg("seed")
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing seeded"));
}

#[test]
fn an_unknown_command_fails_with_usage() {
    let output = citynet(&["frobnicate"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("frobnicate"), "{stderr}");
    assert!(stderr.contains("Usage: citynet"), "{stderr}");
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("x.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_citynet"))
        .env("DATABASE_URL", &url)
        .env("PORT", "0")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let serving = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.contains("serving GraphQL at"))
        .expect("the server says where it listens");
    assert!(serving.contains("http://127.0.0.1:"), "{serving}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
    assert!(
        rest.iter().any(|line| line.contains("Citynet stopped")),
        "{rest:?}"
    );
}

#[tokio::test]
async fn metrics_count_sql_statements() {
    let app = TestApp::builder().spawn().await;
    let read = || async {
        let text = app
            .client
            .get(format!("{}/metrics", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix("citynet_sql_statements_total "))
            .and_then(|n| n.parse::<u64>().ok())
            .expect("the counter is there")
    };
    let before = read().await;
    app.data(
        "{ cities(first: 3) { nodes { networks(first: 2) { nodes { name } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(read().await - before, 2, "one statement per level");
}

async fn readiness(app: &TestApp) -> (StatusCode, Value) {
    let response = app
        .client
        .get(format!("{}/ready", app.address))
        .send()
        .await
        .expect("/ready answers");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn ready_once_the_database_answers_and_is_migrated() {
    let app = TestApp::builder().spawn().await;
    let (status, body) = readiness(&app).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "status": "ready" }))
    );
}

/// PostgreSQL stops taking connections to the database (its existing ones are ended): `/ready`
/// says so within 2 s while `/health` (liveness) stays 200; once connections are allowed again
/// `/ready` is 200 again, without restarting Citynet.
#[tokio::test]
async fn readiness_follows_a_database_outage() {
    let Ok(admin_url) = std::env::var("CITYNET_TEST_DATABASE_URL") else {
        return; // PostgreSQL's; SQLite has no server to lose.
    };
    if admin_url.trim().is_empty() {
        return;
    }
    use sea_orm::ConnectionTrait;
    let app = TestApp::builder().spawn().await;
    let database = &app.database.as_ref().expect("a test database").url;
    let name = database
        .rsplit('/')
        .next()
        .expect("a database name")
        .to_owned();
    let admin = sea_orm::Database::connect(admin_url.trim())
        .await
        .expect("the PostgreSQL server");
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .expect("the database is closed to connections");
    let closed = tokio::time::Instant::now();
    loop {
        let (status, body) = readiness(&app).await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(body["status"], "unavailable", "{body:#}");
            assert!(body["reason"].is_string(), "{body:#}");
            break;
        }
        assert!(closed.elapsed() < Duration::from_secs(2), "503 within 2 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let health = app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .expect("/health answers");
    assert_eq!(health.status(), StatusCode::OK, "liveness does not need it");
    admin
        .execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"))
        .await
        .expect("the database is open again");
    let reopened = tokio::time::Instant::now();
    loop {
        let (status, _) = readiness(&app).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(
            reopened.elapsed() < Duration::from_secs(15),
            "ready again without a restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    admin.close().await.ok();
}

async fn get_metrics(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
) -> (StatusCode, String) {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    (status, response.text().await.expect("a body"))
}

#[tokio::test]
async fn production_serves_metrics_only_where_the_operator_says() {
    // Production without METRICS_ADDR or METRICS_TOKEN: not served.
    let hidden = TestApp::builder()
        .env("CITYNET_ENV", "production")
        .spawn()
        .await;
    let url = format!("{}/metrics", hidden.address);
    let (status, _) = get_metrics(&hidden.client, &url, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Behind a token.
    let token = "metrics-token-0123456789";
    let guarded = TestApp::builder()
        .envs(&[("CITYNET_ENV", "production"), ("METRICS_TOKEN", token)])
        .spawn()
        .await;
    let url = format!("{}/metrics", guarded.address);
    let (status, body) = get_metrics(&guarded.client, &url, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("UNAUTHENTICATED"), "{body}");
    let (status, _) = get_metrics(&guarded.client, &url, Some("wrong-token-0123456789")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = get_metrics(&guarded.client, &url, Some(token)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("citynet_sql_statements_total"), "{body}");

    // On a listener of its own, not on the main port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port");
    let separate = TestApp::builder()
        .envs(&[
            ("CITYNET_ENV", "production"),
            ("METRICS_ADDR", &format!("127.0.0.1:{port}")),
        ])
        .spawn()
        .await;
    let main = format!("{}/metrics", separate.address);
    let (status, _) = get_metrics(&separate.client, &main, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not on the main port");
    let own = format!("http://127.0.0.1:{port}/metrics");
    let (status, body) = get_metrics(&separate.client, &own, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("citynet_response_cache_hits_total"), "{body}");
}
