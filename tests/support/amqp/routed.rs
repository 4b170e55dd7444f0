//! Publishing to any exchange with a routing key and headers, and reading a queue empty
//! with basic.get: what the routing tests need to see where each message went.

use std::io::{BufWriter, Write};

use super::{long_str, method, short_str, write_frame, Connection};
use super::{FRAME_BODY, FRAME_HEADER, FRAME_METHOD};

/// One message to publish: exchange, routing key, string headers, body.
pub struct Publish<'a> {
    pub exchange: &'a str,
    pub routing_key: &'a str,
    pub headers: &'a [(String, String)],
    pub body: String,
}

impl Connection {
    /// Puts channel 1 in confirm mode; call once, before `publish_all`.
    pub fn select_confirms(&mut self) {
        let mut select = method(85, 10);
        select.push(0);
        self.send(FRAME_METHOD, 1, &select);
        self.expect_method(1, 85, 11);
    }

    /// Publishes every message (transient, not mandatory) and waits until the broker has
    /// confirmed the last one: each is then in every queue it was routed to.
    /// `already` is how many this channel published before (delivery tags keep counting).
    pub fn publish_all(&mut self, messages: &[Publish], already: u64) {
        {
            let mut out = BufWriter::new(&self.stream);
            for message in messages {
                let mut publish = method(60, 40);
                publish.extend(0u16.to_be_bytes());
                short_str(&mut publish, message.exchange);
                short_str(&mut publish, message.routing_key);
                publish.push(0);
                write_frame(&mut out, FRAME_METHOD, 1, &publish);
                let mut header = Vec::new();
                header.extend(60u16.to_be_bytes());
                header.extend(0u16.to_be_bytes());
                header.extend((message.body.len() as u64).to_be_bytes());
                header.extend(0x2000u16.to_be_bytes()); // headers present
                header.extend(string_table(message.headers));
                write_frame(&mut out, FRAME_HEADER, 1, &header);
                write_frame(&mut out, FRAME_BODY, 1, message.body.as_bytes());
            }
            out.flush().expect("flush publishes");
        }
        // Acks come out of order (an unroutable message is confirmed at once), singly or
        // `multiple`: wait until every tag is confirmed.
        let mut waiting: std::collections::BTreeSet<u64> =
            (already + 1..=already + messages.len() as u64).collect();
        while !waiting.is_empty() {
            let (kind, _, payload) = self.read_frame();
            if kind != FRAME_METHOD {
                continue;
            }
            let id = (
                u16::from_be_bytes([payload[0], payload[1]]),
                u16::from_be_bytes([payload[2], payload[3]]),
            );
            assert!(id != (60, 120), "the broker nacked a publish");
            assert!(
                id != (20, 40),
                "the broker closed the channel: {}",
                String::from_utf8_lossy(&payload)
            );
            if id == (60, 80) {
                let tag = u64::from_be_bytes(payload[4..12].try_into().expect("tag"));
                if payload[12] & 1 == 1 {
                    waiting = waiting.split_off(&(tag + 1));
                } else {
                    waiting.remove(&tag);
                }
            }
        }
    }

    /// Takes every message from `queue` with basic.get (no-ack) until it is empty; bodies in order.
    pub fn get_all(&mut self, queue: &str) -> Vec<String> {
        let mut bodies = Vec::new();
        loop {
            let mut get = method(60, 70);
            get.extend(0u16.to_be_bytes());
            short_str(&mut get, queue);
            get.push(1); // no-ack
            self.send(FRAME_METHOD, 1, &get);
            let (class, id, _) = loop {
                let (kind, channel, payload) = self.read_frame();
                if kind == FRAME_METHOD && channel == 1 {
                    let class = u16::from_be_bytes([payload[0], payload[1]]);
                    let id = u16::from_be_bytes([payload[2], payload[3]]);
                    assert!(
                        (class, id) != (20, 40),
                        "the broker closed the channel: {}",
                        String::from_utf8_lossy(&payload)
                    );
                    break (class, id, payload);
                }
            };
            match (class, id) {
                (60, 72) => return bodies, // get-empty
                (60, 71) => bodies.push(self.read_content()),
                other => panic!("unexpected method {other:?} after basic.get"),
            }
        }
    }

    /// Takes every message from `queue` with basic.get and rejects each without requeueing,
    /// so the queue dead-letters it; returns the bodies.
    pub fn reject_all(&mut self, queue: &str) -> Vec<String> {
        let mut bodies = Vec::new();
        loop {
            let mut get = method(60, 70);
            get.extend(0u16.to_be_bytes());
            short_str(&mut get, queue);
            get.push(0); // acknowledgement expected
            self.send(FRAME_METHOD, 1, &get);
            let payload = loop {
                let (kind, channel, payload) = self.read_frame();
                if kind == FRAME_METHOD && channel == 1 {
                    break payload;
                }
            };
            let id = (
                u16::from_be_bytes([payload[0], payload[1]]),
                u16::from_be_bytes([payload[2], payload[3]]),
            );
            match id {
                (60, 72) => return bodies,
                (60, 71) => {
                    let tag = u64::from_be_bytes(payload[4..12].try_into().expect("tag"));
                    bodies.push(self.read_content());
                    let mut reject = method(60, 90);
                    reject.extend(tag.to_be_bytes());
                    reject.push(0); // requeue: no
                    self.send(FRAME_METHOD, 1, &reject);
                }
                other => panic!("unexpected method {other:?} after basic.get"),
            }
        }
    }

    /// The content header and body frames that follow a get-ok.
    fn read_content(&mut self) -> String {
        let (kind, _, header) = self.read_frame();
        assert_eq!(kind, FRAME_HEADER, "a content header follows get-ok");
        let size = u64::from_be_bytes(header[4..12].try_into().expect("size")) as usize;
        let mut body = Vec::with_capacity(size);
        while body.len() < size {
            let (kind, _, payload) = self.read_frame();
            assert_eq!(kind, FRAME_BODY, "body frames follow the header");
            body.extend_from_slice(&payload);
        }
        String::from_utf8_lossy(&body).into_owned()
    }
}

/// A field table of string values ('S': long string).
fn string_table(entries: &[(String, String)]) -> Vec<u8> {
    let mut fields = Vec::new();
    for (name, value) in entries {
        short_str(&mut fields, name);
        fields.push(b'S');
        long_str(&mut fields, value);
    }
    let mut table = (fields.len() as u32).to_be_bytes().to_vec();
    table.extend(fields);
    table
}
