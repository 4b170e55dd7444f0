#!/usr/bin/env python3
"""Publishes COUNT persistent messages (`m000000`, `m000001`, ...) to QUEUE through the
default exchange, with publisher confirms, for `make bench`. Standard library only: the
AMQP 0-9-1 frames are written by hand.

    amqp-publish.py PORT VHOST QUEUE COUNT   (logs in as guest/guest on 127.0.0.1)
"""
import socket
import struct
import sys


def frame(kind, channel, payload):
    return struct.pack(">BHI", kind, channel, len(payload)) + payload + b"\xce"


def method(cls, mid, args=b""):
    return frame(1, 0 if cls == 10 else 1, struct.pack(">HH", cls, mid) + args)


def short(text):
    data = text.encode()
    return bytes([len(data)]) + data


def long(data):
    return struct.pack(">I", len(data)) + data


class Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def frame(self):
        while True:
            if len(self.buf) >= 7:
                kind, channel, size = struct.unpack(">BHI", self.buf[:7])
                if len(self.buf) >= 8 + size:
                    payload = self.buf[7 : 7 + size]
                    self.buf = self.buf[8 + size :]
                    return kind, channel, payload
            chunk = self.sock.recv(65536)
            if not chunk:
                sys.exit("the broker closed the connection")
            self.buf += chunk

    def method(self, cls, mid):
        while True:
            kind, _, payload = self.frame()
            if kind == 1:
                got = struct.unpack(">HH", payload[:4])
                if got in ((10, 50), (20, 40)):
                    sys.exit(f"the broker closed the connection: {payload[4:]!r}")
                if got == (cls, mid):
                    return payload[4:]


def main():
    port, vhost, queue, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"AMQP\x00\x00\x09\x01")
    reader = Reader(sock)
    reader.method(10, 10)
    sock.sendall(method(10, 11, long(b"") + short("PLAIN") + long(b"\0guest\0guest") + short("en_US")))
    tune = reader.method(10, 30)
    sock.sendall(method(10, 31, tune[:6] + struct.pack(">H", 0)))
    sock.sendall(method(10, 40, short(vhost) + short("") + b"\x00"))
    reader.method(10, 41)
    sock.sendall(method(20, 10, short("")))
    reader.method(20, 11)
    sock.sendall(method(85, 10, b"\x00"))
    reader.method(85, 11)
    batch = []
    for i in range(count):
        body = f"m{i:06}".encode()
        batch.append(method(60, 40, struct.pack(">H", 0) + short("") + short(queue) + b"\x00"))
        batch.append(frame(2, 1, struct.pack(">HHQHB", 60, 0, len(body), 0x1000, 2)))
        batch.append(frame(3, 1, body))
        if len(batch) >= 3000:
            sock.sendall(b"".join(batch))
            batch = []
    sock.sendall(b"".join(batch))
    confirmed = 0
    while confirmed < count:
        kind, _, payload = reader.frame()
        if kind == 1 and struct.unpack(">HH", payload[:4]) == (60, 80):
            confirmed = max(confirmed, struct.unpack(">Q", payload[4:12])[0])
    sock.close()


if __name__ == "__main__":
    main()
