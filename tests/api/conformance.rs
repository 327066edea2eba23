//! What independent GraphQL clients rely on: CORS preflights for the headers they add by
//! themselves.

use crate::helpers::TestApp;

async fn preflight(app: &TestApp, headers: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.graphql_url())
        .header("origin", "https://maps.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", headers)
        .send()
        .await
        .expect("the server answers")
}

/// Apollo Client's client awareness, W3C trace context, Sentry and request ids are sent by
/// clients without being asked; a preflight that refused them would block every request.
#[tokio::test]
async fn preflights_allow_the_headers_clients_add_by_themselves() {
    let app = TestApp::builder().spawn().await;
    let headers = "content-type,authorization,apollographql-client-name,\
                   apollographql-client-version,traceparent,tracestate,baggage,sentry-trace,\
                   x-request-id";
    let response = preflight(&app, headers).await;
    assert!(response.status().is_success(), "{}", response.status());
    let allowed = response.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in headers.split(',') {
        assert!(allowed.contains(header), "{header} not in {allowed}");
    }
}

/// `CORS_ALLOWED_HEADERS` replaces the list.
#[tokio::test]
async fn the_allowed_headers_are_configurable() {
    let app = TestApp::builder()
        .envs(&[("CORS_ALLOWED_HEADERS", "content-type, x-custom")])
        .spawn()
        .await;
    assert!(preflight(&app, "content-type,x-custom")
        .await
        .status()
        .is_success());
    assert!(!preflight(&app, "traceparent").await.status().is_success());
}

mod websocket {
    use std::time::Duration;

    use futures_util::{SinkExt, StreamExt};
    use serde_json::json;
    use tokio_tungstenite::tungstenite::{protocol::CloseFrame, Message};

    use crate::helpers::{Socket, TestApp};

    async fn open(app: &TestApp) -> Socket {
        app.websocket().await
    }

    async fn send(socket: &mut Socket, message: serde_json::Value) {
        socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    async fn init(socket: &mut Socket) {
        send(socket, json!({ "type": "connection_init" })).await;
        let ack = next_text(socket).await;
        assert_eq!(ack["type"], "connection_ack");
    }

    async fn next_text(socket: &mut Socket) -> serde_json::Value {
        loop {
            match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => return serde_json::from_str(&text).unwrap(),
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// The close frame the server sends, which must fit a control frame (a longer one crashes
    /// Node's `ws` client).
    async fn close_frame(socket: &mut Socket) -> CloseFrame {
        loop {
            match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
                Ok(Some(Ok(Message::Close(Some(frame))))) => {
                    assert!(frame.reason.len() <= 123, "{frame:?}");
                    return frame;
                }
                Ok(Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_)))) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }

    fn subscribe(id: &str) -> serde_json::Value {
        json!({ "id": id, "type": "subscribe",
                "payload": { "query": "subscription { cityChanged { action } }" } })
    }

    /// graphql-transport-ws: an invalid message is 4400.
    #[tokio::test]
    async fn an_unknown_message_type_closes_with_4400() {
        let app = TestApp::builder().spawn().await;
        let mut socket = open(&app).await;
        init(&mut socket).await;
        send(&mut socket, json!({ "type": "bogus" })).await;
        assert_eq!(u16::from(close_frame(&mut socket).await.code), 4400);

        let mut socket = open(&app).await;
        socket
            .send(Message::Text("{not json".into()))
            .await
            .unwrap();
        assert_eq!(u16::from(close_frame(&mut socket).await.code), 4400);
    }

    /// graphql-transport-ws: `subscribe` before `connection_ack` is 4401.
    #[tokio::test]
    async fn subscribing_before_the_ack_closes_with_4401() {
        let app = TestApp::builder().spawn().await;
        let mut socket = open(&app).await;
        send(&mut socket, subscribe("1")).await;
        assert_eq!(u16::from(close_frame(&mut socket).await.code), 4401);
    }

    /// graphql-transport-ws: an id already in use is 4409; a completed one may be reused.
    #[tokio::test]
    async fn a_duplicate_subscription_id_closes_with_4409() {
        let app = TestApp::builder().spawn().await;
        let mut socket = open(&app).await;
        init(&mut socket).await;
        send(&mut socket, subscribe("1")).await;
        send(&mut socket, json!({ "id": "1", "type": "complete" })).await;
        send(&mut socket, subscribe("1")).await;
        send(&mut socket, subscribe("2")).await;
        send(&mut socket, subscribe("2")).await;
        let frame = close_frame(&mut socket).await;
        assert_eq!(u16::from(frame.code), 4409, "{frame:?}");
        assert!(frame.reason.contains('2'), "{frame:?}");
    }

    /// A client's close is echoed (RFC 6455), not answered by a dropped connection.
    #[tokio::test]
    async fn a_client_close_is_echoed() {
        let app = TestApp::builder().spawn().await;
        let mut socket = open(&app).await;
        init(&mut socket).await;
        socket.close(None).await.unwrap();
        // A keep-alive ping may cross the close; anything else before the echo is wrong.
        let echo = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match socket.next().await {
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    other => break other,
                }
            }
        })
        .await;
        match echo {
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) => {}
            other => panic!("expected the close echoed, got {other:?}"),
        }
    }
}

/// A variable's value that does not fit is the client's input (`BAD_USER_INPUT`, as the README
/// and Apollo Server say), reported once; a wrong literal is a validation failure, also once.
#[tokio::test]
async fn a_bad_variable_value_is_bad_user_input_reported_once() {
    let app = TestApp::builder().spawn().await;
    let body = app
        .gql(
            "query($n: Int) { cities(first: $n) { totalCount } }",
            serde_json::json!({ "n": "ten" }),
        )
        .await;
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{body:#}");
    assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT");

    let body = app
        .gql(
            r#"{ cities(first: "ten") { totalCount } }"#,
            serde_json::json!({}),
        )
        .await;
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{body:#}");
    assert_eq!(errors[0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
}
