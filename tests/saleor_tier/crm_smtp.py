"""A real SMTP server on the loopback interface for the tests and the benchmarks
(written on ``socketserver``: aiosmtpd is not in Saleor's environment).

It speaks the RFC 5321 commands Django's SMTP backend uses and keeps each received
message's envelope and bytes (``keep=True``, the tests) or only counts them
(``keep=False``, a benchmark's sink of thousands of messages). Besides the
standard commands it answers ``XSTAT`` with ``250 <messages> <bytes> <distinct
recipients> <connections>`` so a benchmark running it in a process of its own
(``python crm_smtp.py``, which prints the port) can read its figures."""

from __future__ import annotations

import email
import socketserver
import sys
import threading
from email import policy


class SMTPServer:
    """A minimal SMTP server on 127.0.0.1 (port chosen by the system)."""

    def __init__(self, *, keep: bool = True, port: int = 0):
        self.messages = []
        self.count = 0
        self.bytes = 0
        self.connections = 0
        self.recipients: set[str] = set()
        self.lock = threading.Lock()
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self):
                with owner.lock:
                    owner.connections += 1
                self.reply("220 localhost test SMTP")
                sender, rcpts = None, []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line.decode().strip().split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-localhost" if verb == "EHLO" else "250 hi")
                        if verb == "EHLO":
                            self.reply("250 8BITMIME")
                    elif verb == "MAIL":
                        sender, rcpts = line.decode().strip()[10:].strip("<>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        rcpts.append(line.decode().strip()[8:].strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        data = []
                        while True:
                            chunk = self.rfile.readline()
                            if chunk in (b".\r\n", b""):
                                break
                            if chunk.startswith(b".."):
                                chunk = chunk[1:]
                            data.append(chunk)
                        raw = b"".join(data)
                        with owner.lock:
                            owner.count += 1
                            owner.bytes += len(raw)
                            owner.recipients.update(rcpts)
                            if keep:
                                owner.messages.append((sender, rcpts, raw))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "XSTAT":
                        with owner.lock:
                            figures = (
                                owner.count,
                                owner.bytes,
                                len(owner.recipients),
                                owner.connections,
                            )
                        self.reply("250 " + " ".join(map(str, figures)))
                    else:
                        self.reply("502 not implemented")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def parsed(self):
        return [
            (sender, rcpts, email.message_from_bytes(raw, policy=policy.default))
            for sender, rcpts, raw in self.messages
        ]


def stats(port: int) -> dict:
    """The ``XSTAT`` figures of a server running in another process."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        stream = sock.makefile("rwb")
        stream.readline()  # greeting
        stream.write(b"XSTAT\r\n")
        stream.flush()
        answer = stream.readline().decode().split()
        stream.write(b"QUIT\r\n")
        stream.flush()
        stream.readline()
    messages, size, recipients, connections = (int(v) for v in answer[1:5])
    return {
        "messages": messages,
        "bytes": size,
        "recipients": recipients,
        "connections": connections,
    }


if __name__ == "__main__":
    # a sink in a process of its own: prints its port, counts until stdin closes
    server = SMTPServer(keep=False)
    print(server.port, flush=True)
    sys.stdin.read()
    server.close()
