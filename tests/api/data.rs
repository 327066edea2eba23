//! `citynet export` and `citynet import` as an operator runs them: the binary on a database of
//! its own, its files, its output and exit code, and what the API serves afterwards.

use std::{path::Path, process::Output, time::Duration};

use serde_json::{json, Value};

use crate::{
    helpers::{TestApp, TestDatabase, TEST_TOKEN},
    subscriptions::{errors_of, Mutation, Session},
};

/// Runs `citynet ARGS` on `database` in `dir`.
/// Runs the `citynet` binary with `args` on `database`, in `dir`.
pub(crate) fn citynet(database: &TestDatabase, dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_citynet"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("DATABASE_URL", &database.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

/// The standard output of a run that succeeded (the test fails otherwise).
pub(crate) fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A database holding the seed data.
async fn seeded() -> (TestDatabase, tempfile::TempDir) {
    let database = TestDatabase::new().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    succeeded(&citynet(&database, dir.path(), &["seed"]));
    (database, dir)
}

/// The summary line of `table`: created, updated, unchanged.
pub(crate) fn counts(summary: &str, table: &str) -> (u64, u64, u64) {
    let line = summary
        .lines()
        .find(|line| line.split_whitespace().next() == Some(table))
        .unwrap_or_else(|| panic!("{table} in\n{summary}"));
    let numbers: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().expect("a count"))
        .collect();
    (numbers[0], numbers[1], numbers[2])
}

#[tokio::test]
async fn export_import_export_gives_the_same_bytes_and_a_second_import_changes_nothing() {
    let (source, dir) = seeded().await;
    for format in ["json", "toml"] {
        let file = format!("all.{format}");
        succeeded(&citynet(
            &source,
            dir.path(),
            &["export", "--format", format, "--out", &file],
        ));
        let first = std::fs::read(dir.path().join(&file)).expect("the export");
        let copy = TestDatabase::new().await;
        let summary = succeeded(&citynet(&copy, dir.path(), &["import", &file]));
        assert_eq!(counts(&summary, "places"), (24, 0, 0), "{summary}");
        assert_eq!(counts(&summary, "memberships"), (40, 0, 0), "{summary}");
        assert_eq!(counts(&summary, "twinnings"), (1, 0, 0), "{summary}");
        let again = succeeded(&citynet(&copy, dir.path(), &["export", "--format", format]));
        assert!(
            again.as_bytes() == first.as_slice(),
            "{format}: the second export differs"
        );
        let second = succeeded(&citynet(&copy, dir.path(), &["import", &file]));
        for table in [
            "sources",
            "places",
            "networks",
            "memberships",
            "events",
            "twinnings",
        ] {
            let (created, updated, _) = counts(&second, table);
            assert_eq!((created, updated), (0, 0), "{table}: {second}");
        }
        assert_eq!(counts(&second, "networks"), (0, 0, 18));
    }
    // The JSON has the seed files' structure and field names.
    let export: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("all.json")).expect("the export"))
            .expect("JSON");
    let ubc_rostock = export["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .find(|m| m["network"] == "ubc" && m["place"] == "rostock")
        .expect("Rostock in UBC");
    assert_eq!(ubc_rostock["role"], "co_founder");
    assert_eq!(ubc_rostock["since"], 1991);
    assert_eq!(ubc_rostock["evidence"]["kind"], "stated");
}

#[tokio::test]
async fn the_seed_files_import_as_the_seed() {
    let (seeded_database, dir) = seeded().await;
    let expected = succeeded(&citynet(&seeded_database, dir.path(), &["export"]));
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let files: Vec<String> = [
        "sources",
        "places",
        "networks",
        "memberships",
        "events",
        "twinnings",
    ]
    .iter()
    .map(|name| seeds.join(format!("{name}.toml")).display().to_string())
    .collect();
    let empty = TestDatabase::new().await;
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    succeeded(&citynet(&empty, dir.path(), &args));
    assert_eq!(
        succeeded(&citynet(&empty, dir.path(), &["export"])),
        expected
    );
}

#[tokio::test]
async fn every_problem_is_reported_at_once_and_nothing_is_written() {
    let (database, dir) = seeded().await;
    let before = succeeded(&citynet(&database, dir.path(), &["export"]));
    std::fs::write(
        dir.path().join("places.csv"),
        "slug,name,kind,country_code,latitude,longitude,source\n\
         lubeck,Lübeck,city,DE,53.87,10.69,\n\
         bad slug,,town,XX,95,10,nowhere\n",
    )
    .expect("a file");
    std::fs::write(
        dir.path().join("memberships.csv"),
        "network,place,role,since,represented_by,source\n\
         ubc,lubeck,member,1991,,\n\
         ubc,atlantis,member,3000,,\n\
         ubc,lubeck,,,,\n",
    )
    .expect("a file");
    let output = citynet(
        &database,
        dir.path(),
        &["import", "places.csv", "memberships.csv"],
    );
    assert!(!output.status.success());
    let errors = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "places.csv: line 3: slug:",
        "places.csv: line 3: name:",
        "places.csv: line 3: kind: \"town\" is not a known kind",
        "places.csv: line 3: country_code:",
        "places.csv: line 3: latitude:",
        "places.csv: line 3: source: unknown source \"nowhere\"",
        "memberships.csv: line 3: place: unknown place \"atlantis\"",
        "memberships.csv: line 3: since:",
        "memberships.csv: line 4: the membership of \"lubeck\" in \"ubc\" is given twice",
        "nothing was written",
    ] {
        assert!(errors.contains(expected), "{expected:?} in\n{errors}");
    }
    assert_eq!(
        succeeded(&citynet(&database, dir.path(), &["export"])),
        before
    );

    // A JSON file that does not parse names its line.
    std::fs::write(
        dir.path().join("broken.json"),
        "{\n  \"places\": [\n    { \"slug\": 1 }\n  ]\n}\n",
    )
    .expect("a file");
    let output = citynet(&database, dir.path(), &["import", "broken.json"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("broken.json: line 3"));
}

/// A file built to take memory before it can be checked is refused while it is read: a TOML
/// file over 4 MiB (TOML is parsed whole), a list of millions of names in a JSON record.
#[tokio::test]
async fn oversized_files_and_lists_are_refused_while_read() {
    let (database, dir) = seeded().await;
    let before = succeeded(&citynet(&database, dir.path(), &["export"]));
    let names = vec!["x"; 2_000_000];
    let places = serde_json::json!({ "places": [
        { "slug": "listville", "name": "Listville", "kind": "city", "alternate_names": names }
    ] });
    std::fs::write(dir.path().join("long.json"), places.to_string()).expect("a file");
    let output = citynet(&database, dir.path(), &["import", "long.json"]);
    assert!(!output.status.success());
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(errors.contains("long.json: line 1"), "{errors}");
    assert!(errors.contains("more than 1000 items"), "{errors}");

    let toml = format!("topics = [{}]\n", "\"x\", ".repeat(1_500_000));
    std::fs::write(dir.path().join("large.toml"), toml).expect("a file");
    let output = citynet(&database, dir.path(), &["import", "large.toml"]);
    assert!(!output.status.success());
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        errors.contains("large.toml: file: a TOML file may have at most"),
        "{errors}"
    );
    assert_eq!(
        succeeded(&citynet(&database, dir.path(), &["export"])),
        before
    );
}

#[tokio::test]
async fn a_dry_run_reports_and_writes_nothing() {
    let (database, dir) = seeded().await;
    let before = succeeded(&citynet(&database, dir.path(), &["export"]));
    std::fs::write(
        dir.path().join("places.csv"),
        "slug,name,kind,country_code,latitude,longitude,source\nlubeck,Lübeck,city,DE,53.87,10.69,\n",
    )
    .expect("a file");
    let summary = succeeded(&citynet(
        &database,
        dir.path(),
        &["import", "places.csv", "--dry-run"],
    ));
    assert!(summary.contains("dry run"), "{summary}");
    assert_eq!(counts(&summary, "places"), (1, 0, 0), "{summary}");
    assert_eq!(
        succeeded(&citynet(&database, dir.path(), &["export"])),
        before
    );
}

/// Waits until `query` answers differently from `before` (another process wrote; on SQLite the
/// server notices within its 250 ms poll).
pub(crate) async fn changed(app: &TestApp, query: &str, before: &Value) -> Value {
    let mut after = before.clone();
    for _ in 0..40 {
        after = app.data(query, json!({})).await;
        if after != *before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    after
}

#[tokio::test]
async fn a_running_server_answers_with_what_an_import_wrote() {
    let database = TestDatabase::new().await;
    let app = TestApp::builder()
        .settings(database.settings())
        .spawn()
        .await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let query = r#"{ city(slug: "rostock") { name networks(first: 10) { totalCount } } }"#;
    // Twice: the second answer comes from the response cache.
    app.data(query, json!({})).await;
    let before = app.data(query, json!({})).await;
    assert_eq!(before["city"]["networks"]["totalCount"], 4);
    std::fs::write(
        dir.path().join("places.csv"),
        "slug,name,kind,country_code,latitude,longitude,source\n\
         rostock,Hanse- und Universitätsstadt Rostock,city,DE,54.0924,12.0991,rostock\n\
         lubeck,Lübeck,city,DE,53.87,10.69,\n",
    )
    .expect("a file");
    std::fs::write(
        dir.path().join("memberships.csv"),
        "network,place,role,since,represented_by,source\nc40,rostock,member,,,\n",
    )
    .expect("a file");
    let summary = succeeded(&citynet(
        &database,
        dir.path(),
        &["import", "places.csv", "memberships.csv"],
    ));
    assert_eq!(counts(&summary, "places"), (1, 1, 0), "{summary}");
    let after = changed(&app, query, &before).await;
    assert_eq!(
        after["city"]["name"],
        "Hanse- und Universitätsstadt Rostock"
    );
    assert_eq!(after["city"]["networks"]["totalCount"], 5);
    let found = app
        .data(
            r#"{ search(query: "lubeck") { ... on City { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(found["search"][0]["slug"], "lubeck", "{found}");
}

/// A server's subscribers hear what another process imported: each change of a small import,
/// as a mutation's; for a large one (more than a subscriber may be handed) that they lagged.
#[tokio::test]
async fn subscribers_hear_an_import_change_by_change_or_that_they_lagged() {
    let database = TestDatabase::new().await;
    let app = TestApp::builder()
        .settings(database.settings_with(&[("API_TOKENS", TEST_TOKEN)]))
        .spawn()
        .await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let c40 = app.network_id("c40").await;
    let berlin_in_c40 = app
        .data(
            r#"{ city(slug: "berlin") { memberships(first: 50) { nodes { id network { slug } } } } }"#,
            json!({}),
        )
        .await["city"]["memberships"]["nodes"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|m| m["network"]["slug"] == "c40")
        .expect("Berlin is in C40")["id"]
        .clone();
    let mut session = Session::open(&app, json!({})).await;
    session
        .subscribe(
            "c40",
            "subscription($network: ID!) { membershipChanged(networkId: $network) {
                action membershipId membership { since city { slug } } } }",
            json!({ "network": c40 }),
        )
        .await;
    session
        .wait_until_live(
            "c40",
            Mutation {
                app: &app,
                query: "mutation($id: ID!) { updateMembership(input: { id: $id, since: 2006 }) {
                    membership { id } } }",
                variables: json!({ "id": berlin_in_c40 }),
            },
        )
        .await;
    let echo =
        |payload: &Value| payload["data"]["membershipChanged"]["membershipId"] == berlin_in_c40;

    std::fs::write(
        dir.path().join("memberships.csv"),
        "network,place,role,since,represented_by,source\nc40,rostock,member,2020,,\n",
    )
    .expect("a file");
    succeeded(&citynet(
        &database,
        dir.path(),
        &["import", "memberships.csv"],
    ));
    let payload = session.next_payload_except("c40", echo).await;
    let change = &payload["data"]["membershipChanged"];
    assert_eq!(change["action"], "CREATED", "{payload:#}");
    assert_eq!(change["membership"]["city"]["slug"], "rostock");
    assert_eq!(change["membership"]["since"], 2020);

    // 1 100 new places and their memberships in C40: more than one commit may hand a
    // subscriber, so it is told to re-read.
    let places: String = (0..1_100)
        .map(|n| format!("town-{n},Town {n},city,DE,,,\n"))
        .collect();
    let memberships: String = (0..1_100)
        .map(|n| format!("c40,town-{n},member,,,\n"))
        .collect();
    std::fs::write(
        dir.path().join("towns.csv"),
        format!("slug,name,kind,country_code,latitude,longitude,source\n{places}"),
    )
    .expect("a file");
    std::fs::write(
        dir.path().join("town-memberships.csv"),
        format!("network,place,role,since,represented_by,source\n{memberships}"),
    )
    .expect("a file");
    succeeded(&citynet(
        &database,
        dir.path(),
        &["import", "towns.csv", "town-memberships.csv"],
    ));
    let mut ended = Value::Null;
    while let Some(message) = session.receive(Duration::from_secs(5)).await {
        if message["id"] == "c40" && message["type"] != "next" || errors_of(&message).is_array() {
            ended = message;
            break;
        }
        assert!(
            echo(&message["payload"]),
            "no single change is sent: {message:#}"
        );
    }
    assert_eq!(
        errors_of(&ended)[0]["extensions"]["code"],
        "SUBSCRIPTION_LAGGED",
        "{ended:#}"
    );
}
