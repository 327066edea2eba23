//! `TestApp::builder()`: the real application on port 0 with a fresh database, plus request helpers.

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use citynet::{app::Application, config::Settings};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// Keeps the test database alive for the test's duration.
    pub database: Option<TestDatabase>,
    /// The SQL statements the server has run.
    pub statements: citynet::db::StatementCounter,
}

/// A fresh, empty database for one test: a SQLite file in a temporary directory, or, when
/// `CITYNET_TEST_DATABASE_URL` names a PostgreSQL server (any database on it that the user may
/// connect to), a new uniquely named database on that server. `scripts/with-postgres` starts a
/// throwaway server and sets the variable; the whole server is deleted after the run.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<TempDir>,
}

impl TestDatabase {
    /// A fresh database holding a world of `citynet generate` (migrated, no seed data).
    pub async fn generated(plan: citynet::generate::Plan) -> Self {
        let database = Self::new().await;
        let db = citynet::db::connect_for_maintenance(&database.settings())
            .await
            .expect("the test database opens");
        citynet::db::migrate(&db).await.expect("migrations run");
        citynet::generate::generate(&db, &plan)
            .await
            .expect("the world is generated");
        db.close().await.expect("the pool closes");
        database
    }

    pub async fn new() -> Self {
        match std::env::var("CITYNET_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.trim().is_empty() => Self::postgres(admin_url.trim()).await,
            _ => Self::sqlite(),
        }
    }

    fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        Self {
            url: format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("citynet.db").display()
            ),
            _dir: Some(dir),
        }
    }

    async fn postgres(admin_url: &str) -> Self {
        use sea_orm::ConnectionTrait;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "citynet_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let admin = sea_orm::Database::connect(admin_url)
            .await
            .expect("CITYNET_TEST_DATABASE_URL reaches a PostgreSQL server");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("the test user may create databases");
        admin.close().await.ok();
        let (server, _) = admin_url
            .rsplit_once('/')
            .expect("CITYNET_TEST_DATABASE_URL ends with /<database>");
        Self {
            url: format!("{server}/{name}"),
            _dir: None,
        }
    }

    /// Settings that point the application at this database (defaults otherwise).
    pub fn settings(&self) -> Settings {
        self.settings_with(&[])
    }

    /// Like [`settings`](Self::settings), with some variables set as in the environment.
    pub fn settings_with(&self, variables: &[(&str, &str)]) -> Settings {
        let log = std::env::var("TEST_LOG").unwrap_or_else(|_| "off".into());
        let base = [
            ("DATABASE_URL", self.url.as_str()),
            ("DATABASE_MAX_CONNECTIONS", "4"),
            ("PORT", "0"),
            ("RUST_LOG", log.as_str()),
        ];
        Settings::from_lookup(|name| {
            variables
                .iter()
                .chain(base.iter())
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
        .expect("valid test settings")
    }
}

/// How a test's server is set up: `TestApp::builder().env("MAX_QUERY_DEPTH", "3").writable()
/// .spawn()`. By default the real application on port 0 over a fresh, empty database of its own.
#[derive(Default)]
pub struct TestAppBuilder {
    variables: Vec<(String, String)>,
    settings: Option<Settings>,
}

impl TestAppBuilder {
    /// Sets a variable as in the environment.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.variables.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets several variables as in the environment.
    pub fn envs(self, variables: &[(&str, &str)]) -> Self {
        variables
            .iter()
            .fold(self, |builder, (name, value)| builder.env(name, value))
    }

    /// Accepts writes with [`TEST_TOKEN`].
    pub fn writable(self) -> Self {
        self.env("API_TOKENS", TEST_TOKEN)
    }

    /// Runs with exactly these settings, over a database the caller owns (a second instance of
    /// a shared database, a generated world).
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = Some(settings);
        self
    }

    /// Starts the application and returns once it listens.
    pub async fn spawn(self) -> TestApp {
        if let Some(settings) = self.settings {
            return start(settings).await;
        }
        let database = TestDatabase::new().await;
        let variables: Vec<(&str, &str)> = self
            .variables
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let mut app = start(database.settings_with(&variables)).await;
        app.database = Some(database);
        app
    }
}

/// Builds and starts the application with `settings`.
async fn start(settings: Settings) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        // Kept for the process's life: the test binary exits without dropping it.
        std::mem::forget(
            citynet::telemetry::init(
                &settings.log_filter,
                settings.log_format,
                None,
                citynet::telemetry::Logs::Stdout,
            )
            .expect("a valid TEST_LOG filter"),
        );
    }
    let application = Application::build(&settings)
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let statements = application.statement_counter();
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        database: None,
        statements,
    }
}

/// A WebSocket to a test server.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl TestApp {
    /// Opens a WebSocket to `/graphql` speaking `graphql-transport-ws` (nothing sent yet);
    /// asserts that the server agreed to the subprotocol.
    pub async fn websocket(&self) -> Socket {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = self.graphql_url().replacen("http://", "ws://", 1);
        let mut request = url.into_client_request().expect("a WebSocket request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("a header value"),
        );
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the upgrade succeeds");
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        socket
    }

    /// A server with `variables` over [`slow_world`].
    pub async fn over_generated_world(variables: &[(&str, &str)]) -> TestApp {
        let database = TestDatabase::generated(slow_world()).await;
        let mut app = TestApp::builder()
            .settings(database.settings_with(variables))
            .spawn()
            .await;
        app.database = Some(database);
        app
    }

    /// The way to start a test server (see [`TestAppBuilder`]).
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.address)
    }

    /// POSTs a GraphQL request and returns the whole JSON body (data and errors).
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(self.graphql_url())
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("a JSON body")
    }

    /// Like [`gql`](Self::gql), but asserts there were no errors and returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// POSTs a JSON body as it is (any fields) and returns the JSON answer, whatever its status.
    pub async fn post_json(&self, body: Value) -> Value {
        let response = self
            .client
            .post(self.graphql_url())
            .json(&body)
            .send()
            .await
            .expect("the server answers");
        response.json().await.expect("a JSON body")
    }

    /// POSTs raw bytes with a content type; returns the status and the body parsed as JSON.
    pub async fn post_raw(
        &self,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let response = self
            .client
            .post(self.graphql_url())
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("the server answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("body is not JSON ({err}): {text}"));
        (status, json)
    }
}

/// The `extensions.code` of the first error.
pub fn first_error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body:#}"))
}

/// The `field` of every node of a connection value, as strings.
pub fn strings(connection: &Value, field: &str) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection:#}"))
        .iter()
        .map(|node| node[field].as_str().expect("a string field").to_owned())
        .collect()
}

/// The API token the writable test servers accept.
pub const TEST_TOKEN: &str = "test-token-0123456789abcdef";

impl TestApp {
    /// POSTs a GraphQL request with an `Authorization` header (none when `authorization` is
    /// `None`) and returns the whole JSON body.
    pub async fn gql_with_authorization(
        &self,
        authorization: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Value {
        let mut request = self
            .client
            .post(self.graphql_url())
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let response = request.send().await.expect("the server answers");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("a JSON body")
    }

    /// Runs a mutation as a writer ([`TEST_TOKEN`]); returns the whole JSON body.
    pub async fn write(&self, query: &str, variables: Value) -> Value {
        self.gql_with_authorization(Some(&format!("Bearer {TEST_TOKEN}")), query, variables)
            .await
    }

    /// Like [`write`](Self::write), but asserts there were no errors and returns `data`.
    pub async fn write_ok(&self, query: &str, variables: Value) -> Value {
        let body = self.write(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Everything a client can read about the stored data, for "nothing changed" checks.
    pub async fn snapshot(&self) -> Value {
        self.data(
            "{ cities(first: 100) { totalCount nodes { id slug name alternateNames kind countryCode \
             latitude longitude twinCities(first: 10) { nodes { slug } } } }
               networks(first: 100) { totalCount nodes { id slug name alternateNames acronym \
             description topics foundedYear foundedIn { slug } reportedMemberCount \
             reportedMemberCountQualifier
                 memberships(first: 100) { totalCount nodes { id role since representedBy \
             evidence { kind quote } city { slug } } } } }
               events(first: 100) { totalCount nodes { id kind title year topic host { slug } \
             network { slug } reportedParticipantCount evidence { kind quote } \
             participants(first: 50) { nodes { slug } } } }
               search(query: \"e\", first: 100) { __typename ... on City { slug } \
             ... on Network { slug } ... on Event { title } } }",
            json!({}),
        )
        .await
    }

    /// The global id of the place with `slug`.
    pub async fn city_id(&self, slug: &str) -> String {
        self.id_of("city", slug).await
    }

    /// The global id of the network with `slug`.
    pub async fn network_id(&self, slug: &str) -> String {
        self.id_of("network", slug).await
    }

    async fn id_of(&self, field: &str, slug: &str) -> String {
        let data = self
            .data(
                &format!("query($slug: String!) {{ {field}(slug: $slug) {{ id }} }}"),
                json!({ "slug": slug }),
            )
            .await;
        data[field]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no {field} {slug:?}"))
            .to_owned()
    }
}

/// The `extensions.field` of the first error.
pub fn first_error_field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("no error field in {body:#}"))
}

/// A generated world large enough for slow reads: 2 000 places in 20 networks (Zipf-sized, so a
/// few hold most places) with 20 000 memberships.
pub fn slow_world() -> citynet::generate::Plan {
    citynet::generate::Plan {
        places: 2_000,
        networks: 20,
        memberships: 20_000,
        events: 10,
        seed: 1,
    }
}
