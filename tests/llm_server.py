"""A scripted OpenAI-compatible chat server on 127.0.0.1 that misbehaves on cue.

Each request pops the next behaviour from `script` (the last one repeats):
  "ok"          answer normally (JSON or SSE stream), citing [1]
  "429"         rate limited with Retry-After: 0
  "500"         server error
  "401"         bad key
  "404"         unknown model
  "400-context" context length exceeded
  "no-usage"    answer normally, but report no usage (as llama-cpp-python's server)
  "length"      answer normally, ending with finish_reason "length" (cut at max_tokens)
  "stall"       accept, then never answer (until the client hangs up or the server stops)
  "stall-mid"   stream a few tokens, then stall
  "cut"         stream a few tokens, then close without a finish reason
  "trickle"     one token at once, then one every `trickle_seconds` (2 s), forever; a JSON
                reply gets one byte of leading whitespace as often, so it never completes
  "keepalive"   only SSE comments (": ping"), one every 0.2 s, forever; a JSON reply
                gets whitespace instead
  "slow"        the answer one word every `slow_seconds` (0.1 s), then done; a JSON reply
                comes after as long as the words would take
  "flood"       tokens ("flood ") as fast as it can write them, ignoring max_tokens, forever;
                a JSON reply gets endless whitespace at the same rate
Every request body is recorded in `requests`; when a client closes a connection the
server is still writing to (or waiting on), the time is recorded in `hung_up`. `silent()`
says a "stall" request is being held (a fake clock may then skip the wait: nothing will come).
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANSWER = "Learn PyTorch first: it is the better first choice [1]."
"""The scripted reply: no number in it, so the number check never changes it (see test_plan)."""
USAGE = {"prompt_tokens": 321, "completion_tokens": 12, "total_tokens": 333}
"""The token usage the server reports: in JSON replies, and in a last chunk when a stream
request asks for it with `stream_options.include_usage`."""


class ScriptedLLM:
    """The server's state: a script of behaviours and the requests seen."""

    def __init__(self, script: list[str], answer: str = ANSWER) -> None:
        self.script = list(script)
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        self.hung_up: list[float] = []
        self.trickle_seconds = 2.0
        self.slow_seconds = 0.1
        self.chunk_chars = 0
        """When positive, a normal stream sends the answer in pieces of this many characters
        (words otherwise), so a word can be split across pieces."""
        self.stop = threading.Event()
        self.base_url = ""
        self._holding = 0
        self._lock = threading.Lock()

    def silent(self) -> bool:
        """True while the server holds a "stall" request it will send nothing on."""
        with self._lock:
            return self._holding > 0

    def holding(self, change: int) -> None:
        with self._lock:
            self._holding += change

    def next(self) -> str:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def _handler(state: ScriptedLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: str, message: str, **headers: str) -> None:
            self._json(status, {"error": {"message": message, "type": code, "code": code}}, headers)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append(body)
            action = state.next()
            if action == "429":
                return self._error(429, "rate_limit_exceeded", "slow down", **{"Retry-After": "0"})
            if action == "500":
                return self._error(500, "server_error", "boom")
            if action == "401":
                return self._error(401, "invalid_api_key", "bad key")
            if action == "404":
                return self._error(404, "model_not_found", "no such model")
            if action == "400-context":
                return self._error(400, "context_length_exceeded", "maximum context length")
            if action == "stall":
                state.holding(+1)
                try:
                    return self._wait_for_hang_up()
                finally:
                    state.holding(-1)
            if body.get("stream"):
                usage = (body.get("stream_options") or {}).get("include_usage")
                return self._stream(action, bool(usage))
            if action in ("trickle", "keepalive", "flood"):
                return self._endless_json(action)
            if action == "slow":
                time.sleep(state.slow_seconds * len(state.answer.split(" ")))
            reply = _completion(state.answer)
            if action == "no-usage":
                del reply["usage"]
            if action == "length":
                reply["choices"][0]["finish_reason"] = "length"
            return self._json(200, reply)

        def _wait_for_hang_up(self) -> None:
            """Say nothing until the client closes the connection (or 60 s pass)."""
            until = time.monotonic() + 60
            while not state.stop.wait(0.05) and time.monotonic() < until:
                ready, _, _ = select.select([self.connection], [], [], 0)
                if ready and not self.connection.recv(1, socket.MSG_PEEK):
                    state.hung_up.append(time.monotonic())
                    break
            self.close_connection = True

        def _endless(self, piece: bytes, every: float, at_once: bool = False) -> None:
            """Write `piece` every `every` seconds (first `at_once`, if asked) until the client
            hangs up (or 60 s pass)."""
            until = time.monotonic() + 60
            try:
                if at_once:
                    self.wfile.write(piece)
                    self.wfile.flush()
                while not state.stop.wait(every) and time.monotonic() < until:
                    self.wfile.write(piece)
                    self.wfile.flush()
            except OSError:
                state.hung_up.append(time.monotonic())
            self.close_connection = True

        def _endless_json(self, action: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            if action == "flood":
                return self._endless(b" " * 65536, 0.0)
            every = state.trickle_seconds if action == "trickle" else 0.2
            self._endless(b" ", every)

        def _stream(self, action: str, include_usage: bool = False) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            if action == "keepalive":
                return self._endless(b": ping\n\n", 0.2)
            if action == "trickle":
                token = f"data: {json.dumps(_chunk({'content': 'word '}, None))}\n\n"
                return self._endless(token.encode(), state.trickle_seconds, at_once=True)
            if action == "flood":
                token = f"data: {json.dumps(_chunk({'content': 'flood '}, None))}\n\n"
                return self._endless(token.encode() * 200, 0.0)
            words = state.answer.split(" ")
            pieces = [word if i == 0 else " " + word for i, word in enumerate(words)]
            if state.chunk_chars > 0:
                n = state.chunk_chars
                pieces = [state.answer[i : i + n] for i in range(0, len(state.answer), n)]
            cut = action in ("cut", "stall-mid")
            for piece in pieces[:3] if cut else pieces:
                self._event(_chunk({"content": piece}, None))
                if action == "slow":
                    time.sleep(state.slow_seconds)
            if action == "stall-mid":
                return self._wait_for_hang_up()
            if action == "cut":
                self.close_connection = True
                return
            self._event(_chunk({}, "length" if action == "length" else "stop"))
            if include_usage and action != "no-usage":
                self._event({**_chunk({}, None), "choices": [], "usage": USAGE})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def _event(self, payload: dict[str, Any]) -> None:
            self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
            self.wfile.flush()
            time.sleep(0.01)

    return Handler


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "scripted",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": USAGE,
    }


def _chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "scripted",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


@contextmanager
def scripted_llm(script: list[str], answer: str = ANSWER) -> Iterator[ScriptedLLM]:
    """Run the scripted server on 127.0.0.1 for the duration of the block."""
    state = ScriptedLLM(script, answer)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        server.shutdown()
        server.server_close()
