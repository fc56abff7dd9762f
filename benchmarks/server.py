"""A fast local HTTP/1.1 server for the end-to-end table: one prebuilt answer for every GET.

``python -m benchmarks.server PAGE_FILE`` binds 127.0.0.1 on a free port, prints the port
on one line and serves until its stdin closes (the benchmark holds the other end, so the
server never outlives it) or it is terminated. It runs in its own process so that it does
not share the clients' GIL, and uses asyncio protocols on raw sockets with keep-alive: the
answer is written as one prebuilt buffer, so the server's own cost stays far below the
clients'.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path


def prebuilt(body: bytes) -> bytes:
    """Status line, headers and body of the one answer."""
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "apim-request-id: 00000000-0000-4000-8000-000000000000\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


class _Connection(asyncio.Protocol):
    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = bytes(self.buffer[:end]).lower()
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line.startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if len(self.buffer) < end + 4 + length:
                return  # the request body has not all arrived
            del self.buffer[: end + 4 + length]
            assert self.transport is not None
            self.transport.write(self.answer)


async def serve(answer: bytes) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Connection(answer), "127.0.0.1", 0, backlog=128, reuse_address=True
    )
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    stop = loop.create_future()

    def watch_stdin() -> None:
        sys.stdin.buffer.read()  # returns at EOF: the benchmark finished or died
        loop.call_soon_threadsafe(finish)

    def finish() -> None:
        if not stop.done():
            stop.set_result(None)

    threading.Thread(target=watch_stdin, daemon=True).start()
    async with server:
        await stop


def main() -> None:
    answer = prebuilt(Path(sys.argv[1]).read_bytes())
    asyncio.run(serve(answer))


if __name__ == "__main__":
    main()
