//! A tiny HTTP/1.x server for `GET /metrics`: one request per connection, then close.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Longest request head read (request line and headers).
const MAX_HEAD: usize = 16 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves `GET /metrics` with what `render` returns (503 with its error otherwise) until the
/// process ends. `render` runs once per request.
pub async fn serve<F, Fut>(listener: TcpListener, render: F) -> std::io::Result<()>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, String>> + Send,
{
    let render = Arc::new(render);
    loop {
        let (stream, peer) = listener.accept().await?;
        let render = Arc::clone(&render);
        tokio::spawn(async move {
            if let Err(err) = handle(stream, render.as_ref()).await {
                tracing::debug!(%peer, error = %err, "metrics request failed");
            }
        });
    }
}

/// The method and path of a request line such as `GET /metrics?x=1 HTTP/1.1`.
pub fn parse_request_line(line: &str) -> Option<(&str, &str)> {
    let mut parts = line.split(' ');
    let method = parts.next().filter(|m| !m.is_empty())?;
    let target = parts.next().filter(|t| t.starts_with('/'))?;
    let version = parts.next()?;
    if parts.next().is_some() || !version.starts_with("HTTP/1.") {
        return None;
    }
    Some((method, target.split('?').next().unwrap_or(target)))
}

async fn handle<F, Fut>(mut stream: TcpStream, render: &F) -> std::io::Result<()>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<String, String>>,
{
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(head) => head?,
        Err(_) => return Ok(()),
    };
    let line = head.lines().next().unwrap_or_default();
    let (status, body) = match parse_request_line(line) {
        None => ("400 Bad Request", "bad request\n".to_string()),
        Some((method, "/metrics")) if method == "GET" || method == "HEAD" => match render().await {
            Ok(text) => ("200 OK", text),
            Err(err) => ("503 Service Unavailable", format!("{err}\n")),
        },
        Some((_, "/metrics")) => ("405 Method Not Allowed", "use GET\n".to_string()),
        Some(_) => ("404 Not Found", "metrics are at /metrics\n".to_string()),
    };
    let head_only = line.starts_with("HEAD ");
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    if !head_only {
        stream.write_all(body.as_bytes()).await?;
    }
    stream.shutdown().await
}

/// Reads up to the blank line that ends the request head.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && !buf.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buf.len() > MAX_HEAD {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        assert_eq!(
            parse_request_line("GET /metrics HTTP/1.1"),
            Some(("GET", "/metrics"))
        );
        assert_eq!(
            parse_request_line("GET /metrics?a=b HTTP/1.0"),
            Some(("GET", "/metrics"))
        );
        assert_eq!(parse_request_line("GET /metrics"), None);
        assert_eq!(parse_request_line("GET metrics HTTP/1.1"), None);
        assert_eq!(parse_request_line("GET /m HTTP/2 x"), None);
    }
}
