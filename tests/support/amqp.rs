//! Just enough AMQP 0-9-1 for the tests: publish many persistent messages quickly (the
//! management API publishes one per request) and hold a consumer on a queue. Frames are
//! written by hand from the protocol's own layout; no client library is needed.

mod routed;

pub use routed::Publish;

use std::io::{BufWriter, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const FRAME_METHOD: u8 = 1;
const FRAME_HEADER: u8 = 2;
const FRAME_BODY: u8 = 3;
const FRAME_END: u8 = 0xCE;

/// An open connection with channel 1 open.
pub struct Connection {
    stream: TcpStream,
}

impl Connection {
    /// Logs in with PLAIN and opens `vhost` and channel 1.
    pub fn open(port: u16, user: &str, password: &str, vhost: &str) -> Connection {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("AMQP connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("read timeout");
        stream
            .write_all(b"AMQP\x00\x00\x09\x01")
            .expect("protocol header");
        let mut conn = Connection { stream };
        conn.expect_method(0, 10, 10); // connection.start
        let mut start_ok = method(10, 11);
        table(&mut start_ok);
        short_str(&mut start_ok, "PLAIN");
        long_str(&mut start_ok, &format!("\0{user}\0{password}"));
        short_str(&mut start_ok, "en_US");
        conn.send(FRAME_METHOD, 0, &start_ok);
        let tune = conn.expect_method(0, 10, 30);
        let channel_max = u16::from_be_bytes([tune[4], tune[5]]);
        let frame_max = u32::from_be_bytes([tune[6], tune[7], tune[8], tune[9]]);
        let mut tune_ok = method(10, 31);
        tune_ok.extend(channel_max.to_be_bytes());
        tune_ok.extend(frame_max.to_be_bytes());
        tune_ok.extend(0u16.to_be_bytes()); // no heartbeats
        conn.send(FRAME_METHOD, 0, &tune_ok);
        let mut open = method(10, 40);
        short_str(&mut open, vhost);
        short_str(&mut open, "");
        open.push(0);
        conn.send(FRAME_METHOD, 0, &open);
        conn.expect_method(0, 10, 41); // connection.open-ok
        let mut channel = method(20, 10);
        short_str(&mut channel, "");
        conn.send(FRAME_METHOD, 1, &channel);
        conn.expect_method(1, 20, 11); // channel.open-ok
        conn
    }

    /// Publishes persistent messages to the default exchange with confirms, and waits until
    /// the broker confirmed every one of them.
    pub fn publish_confirmed(&mut self, queue: &str, bodies: impl Iterator<Item = String>) {
        self.send(FRAME_METHOD, 1, &{
            let mut select = method(85, 10);
            select.push(0);
            select
        });
        self.expect_method(1, 85, 11); // confirm.select-ok
        let mut count = 0u64;
        {
            let mut out = BufWriter::new(&self.stream);
            for body in bodies {
                let mut publish = method(60, 40);
                publish.extend(0u16.to_be_bytes());
                short_str(&mut publish, "");
                short_str(&mut publish, queue);
                publish.push(0);
                write_frame(&mut out, FRAME_METHOD, 1, &publish);
                let mut header = Vec::new();
                header.extend(60u16.to_be_bytes());
                header.extend(0u16.to_be_bytes());
                header.extend((body.len() as u64).to_be_bytes());
                header.extend(0x1000u16.to_be_bytes()); // delivery-mode present
                header.push(2); // persistent
                write_frame(&mut out, FRAME_HEADER, 1, &header);
                write_frame(&mut out, FRAME_BODY, 1, body.as_bytes());
                count += 1;
            }
            out.flush().expect("flush publishes");
        }
        // basic.ack frames, possibly with `multiple`, until the last tag is confirmed.
        let mut confirmed = 0u64;
        while confirmed < count {
            let (kind, _, payload) = self.read_frame();
            if kind != FRAME_METHOD {
                continue;
            }
            let (class, id) = (
                u16::from_be_bytes([payload[0], payload[1]]),
                u16::from_be_bytes([payload[2], payload[3]]),
            );
            assert!((class, id) != (60, 120), "the broker nacked a publish");
            if (class, id) == (60, 80) {
                let tag = u64::from_be_bytes(payload[4..12].try_into().expect("tag"));
                confirmed = confirmed.max(tag);
            }
        }
    }

    /// Starts a consumer on `queue` (manual acks, nothing acknowledged): the queue counts a
    /// consumer until the connection closes.
    pub fn consume(&mut self, queue: &str) {
        let mut qos = method(60, 10);
        qos.extend(0u32.to_be_bytes());
        qos.extend(1u16.to_be_bytes());
        qos.push(0);
        self.send(FRAME_METHOD, 1, &qos);
        self.expect_method(1, 60, 11);
        let mut consume = method(60, 20);
        consume.extend(0u16.to_be_bytes());
        short_str(&mut consume, queue);
        short_str(&mut consume, "");
        consume.push(0);
        table(&mut consume);
        self.send(FRAME_METHOD, 1, &consume);
        self.expect_method(1, 60, 21);
    }

    /// Consumes `count` messages from `queue` with automatic acknowledgement and returns their
    /// bodies in the order the broker delivered them.
    pub fn drain(&mut self, queue: &str, count: usize) -> Vec<String> {
        let mut consume = method(60, 20);
        consume.extend(0u16.to_be_bytes());
        short_str(&mut consume, queue);
        short_str(&mut consume, "");
        consume.push(0b10); // no-ack
        table(&mut consume);
        self.send(FRAME_METHOD, 1, &consume);
        self.expect_method(1, 60, 21);
        let mut bodies = Vec::with_capacity(count);
        let mut expected = 0usize;
        let mut body = Vec::new();
        while bodies.len() < count {
            let (kind, _, payload) = self.read_frame();
            match kind {
                // basic.deliver, then a content header saying how long the body is.
                FRAME_METHOD => {}
                FRAME_HEADER => {
                    expected =
                        u64::from_be_bytes(payload[4..12].try_into().expect("size")) as usize;
                    body.clear();
                    if expected == 0 {
                        bodies.push(String::new());
                    }
                }
                FRAME_BODY => {
                    body.extend_from_slice(&payload);
                    if body.len() >= expected {
                        bodies.push(String::from_utf8_lossy(&body).into_owned());
                    }
                }
                _ => {}
            }
        }
        bodies
    }

    fn send(&mut self, kind: u8, channel: u16, payload: &[u8]) {
        write_frame(&mut self.stream, kind, channel, payload);
    }

    fn read_frame(&mut self) -> (u8, u16, Vec<u8>) {
        let mut head = [0u8; 7];
        self.stream.read_exact(&mut head).expect("frame header");
        let size = u32::from_be_bytes([head[3], head[4], head[5], head[6]]) as usize;
        let mut payload = vec![0u8; size + 1];
        self.stream.read_exact(&mut payload).expect("frame payload");
        assert_eq!(payload.pop(), Some(FRAME_END), "frame end");
        (head[0], u16::from_be_bytes([head[1], head[2]]), payload)
    }

    /// Reads frames until the method `class.id` arrives on `channel`; returns its arguments.
    fn expect_method(&mut self, channel: u16, class: u16, id: u16) -> Vec<u8> {
        loop {
            let (kind, on, payload) = self.read_frame();
            if kind != FRAME_METHOD || on != channel {
                continue;
            }
            let got = (
                u16::from_be_bytes([payload[0], payload[1]]),
                u16::from_be_bytes([payload[2], payload[3]]),
            );
            assert!(
                got != (10, 50) && got != (20, 40),
                "the broker closed the connection: {}",
                String::from_utf8_lossy(&payload)
            );
            if got == (class, id) {
                return payload;
            }
        }
    }
}

fn write_frame(out: &mut impl Write, kind: u8, channel: u16, payload: &[u8]) {
    let mut frame = Vec::with_capacity(payload.len() + 8);
    frame.push(kind);
    frame.extend(channel.to_be_bytes());
    frame.extend((payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(payload);
    frame.push(FRAME_END);
    out.write_all(&frame).expect("write frame");
}

fn method(class: u16, id: u16) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(class.to_be_bytes());
    out.extend(id.to_be_bytes());
    out
}

fn short_str(out: &mut Vec<u8>, text: &str) {
    out.push(text.len() as u8);
    out.extend_from_slice(text.as_bytes());
}

fn long_str(out: &mut Vec<u8>, text: &str) {
    out.extend((text.len() as u32).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// An empty field table.
fn table(out: &mut Vec<u8>) {
    out.extend(0u32.to_be_bytes());
}
