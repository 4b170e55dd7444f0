//! The `/metrics` endpoint, served over HTTP/1 by hyper.

use std::convert::Infallible;
use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE as CONTENT_TYPE_HEADER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// A client that sends no complete request head within this long is dropped.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `GET /metrics` with what `render` returns (503 with its error otherwise) until the
/// process ends. `render` runs once per request.
pub async fn serve<F, Fut, E>(listener: TcpListener, render: F) -> std::io::Result<()>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, E>> + Send,
    E: Display,
{
    let render = Arc::new(render);
    loop {
        let (stream, peer) = listener.accept().await?;
        let render = Arc::clone(&render);
        tokio::spawn(async move {
            let service = service_fn(|request| answer(request, render.as_ref()));
            let served = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(err) = served {
                tracing::debug!(%peer, error = %err, "metrics request failed");
            }
        });
    }
}

async fn answer<F, Fut, E>(
    request: Request<Incoming>,
    render: &F,
) -> Result<Response<Full<Bytes>>, Infallible>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<String, E>>,
    E: Display,
{
    let (status, body) = match (request.method(), request.uri().path()) {
        (&Method::GET | &Method::HEAD, "/metrics") => match render().await {
            Ok(text) => (StatusCode::OK, text),
            Err(err) => (StatusCode::SERVICE_UNAVAILABLE, format!("{err}\n")),
        },
        (_, "/metrics") => (StatusCode::METHOD_NOT_ALLOWED, "use GET\n".to_string()),
        _ => (
            StatusCode::NOT_FOUND,
            "metrics are at /metrics\n".to_string(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE_HEADER, HeaderValue::from_static(CONTENT_TYPE));
    if status == StatusCode::METHOD_NOT_ALLOWED {
        headers.insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    }
    Ok(response)
}
