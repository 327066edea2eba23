//! The benchmark's reference point: the least an actix-web server can do to answer a GraphQL
//! request — return fixed bytes (the W2 response, captured from Citynet). Its throughput is the
//! physical limit of this HTTP stack on this machine; `bench/run` reports W2 as a share of it.
//!
//! The handler takes the request body (`web::Bytes`) and drops it. A handler that never reads the
//! body leaves it unread on the connection, so actix answers with `connection: close` and the
//! load generator reconnects for every request: that measured TCP setup, not the HTTP stack
//! (16–22 k instead of 82–89 k requests/s here). Check keep-alive with
//! `curl -v --data '{}' URL --next --data '{}' URL` ("Re-using existing connection").
//!
//! `cargo run --release --example reference_server -- PORT BODY_FILE`

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(port), Some(path)) = (args.next(), args.next()) else {
        eprintln!("usage: reference_server PORT BODY_FILE");
        std::process::exit(2);
    };
    let port: u16 = port
        .parse()
        .map_err(|_| std::io::Error::other(format!("not a port: {port}")))?;
    let body = web::Bytes::from(std::fs::read(&path)?);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().route(
            "/graphql",
            // Reading the body keeps the connection alive (see above); its content is not used.
            web::post().to(move |_request: web::Bytes| {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }),
        )
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
