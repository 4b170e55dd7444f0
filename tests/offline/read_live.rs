//! `read_live` against a release this machine cannot run: an in-process server answers
//! each path with 4.2.9's recorded answers (`tests/recorded/README.md` says where they come
//! from). Its export leaves internal exchanges out, so the plan's read adds them from the
//! exchange listing while the definitions are read; the state must be the one the whole
//! snapshot gives.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

use warren::broker::fetch::add_internal_exchanges;
use warren::broker::lower::live_state;
use warren::broker::{read_live, ConnectionSettings, HttpBroker, LiveSnapshot};
use warren::format::wire::{Definitions, ExchangeDef, VhostInfo};

fn recorded(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/recorded")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Answers every request by the first path prefix it starts with, until the test ends.
fn serve(answers: Vec<(&'static str, String)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            while let Ok(n) = reader.read_line(&mut String::new()) {
                if n <= 2 {
                    break;
                }
            }
            let path = line.split(' ').nth(1).unwrap_or_default().to_string();
            let body = answers
                .iter()
                .find(|(prefix, _)| path.starts_with(prefix))
                .map_or("", |(_, body)| body.as_str());
            let status = if body.is_empty() { 404 } else { 200 };
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let mut stream = stream;
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    url
}

#[test]
fn a_release_whose_export_omits_internal_exchanges_is_read_whole() {
    let url = serve(vec![
        // Only an overview without the stats is answered: with them it costs the broker more.
        (
            "/api/overview?disable_stats=true",
            recorded("4.2.9-overview.constructed.json"),
        ),
        ("/api/vhosts", recorded("4.2.9-vhosts.constructed.json")),
        (
            "/api/definitions",
            recorded("4.2.9-definitions.constructed.json"),
        ),
        (
            "/api/exchanges",
            recorded("4.2.9-exchanges.constructed.json"),
        ),
    ]);
    let broker = HttpBroker::new(&ConnectionSettings::new(vec![url], "guest", "guest")).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let read = runtime.block_on(read_live(&broker)).expect("read_live");
    assert_eq!(read.version, "4.2.9");

    let mut definitions: Definitions =
        serde_json::from_str(&recorded("4.2.9-definitions.constructed.json")).unwrap();
    let listed: Vec<ExchangeDef> =
        serde_json::from_str(&recorded("4.2.9-exchanges.constructed.json")).unwrap();
    let internal = listed
        .iter()
        .filter(|e| e.internal && !e.name.starts_with("amq."));
    assert!(
        internal.count() > 0,
        "the listing has internal exchanges to add"
    );
    add_internal_exchanges(&mut definitions, listed);
    let vhosts: Vec<VhostInfo> =
        serde_json::from_str(&recorded("4.2.9-vhosts.constructed.json")).unwrap();
    let whole = live_state(LiveSnapshot {
        version: read.version.clone(),
        cluster_name: String::new(),
        definitions,
        vhosts,
    });
    assert_eq!(read.state, whole);
    assert!(read.state.len() > 5, "{} objects", read.state.len());
}
