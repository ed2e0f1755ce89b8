"""Headless Chromium for the docs tests, with every request that would leave this machine refused.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON messages
ended by NUL on file descriptors 3 and 4), so the tests need no driver binary, no websocket library
and no debugging port, only Debian's `chromium`. Three independent fences keep it offline:

- `--host-resolver-rules` makes every name but 127.0.0.1 unresolvable;
- `--proxy-server` sends every non-loopback request to `RefusingProxy`, which records and refuses
  it (loopback always bypasses a proxy in Chromium), so the browser's own background traffic is
  seen too, not only the page's;
- the page's requests are recorded from `Network.requestWillBeSent`.
"""

from __future__ import annotations

import http.server
import json
import os
import select
import shutil
import socket
import socketserver
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any

# Debian's binary itself first: its /usr/bin/chromium wrapper exports Google API keys and loads
# extensions, which make the browser call Google services on its own.
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
WINDOW = (1280, 900)  # a laptop's browser window: the docs' readers see the diagrams at this width


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 (a free port) for the block; yields the base URL."""
    handler = partial(_QuietHandler, directory=str(root))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            thread.join(timeout=5)


class RefusingProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy on 127.0.0.1 that answers every request 403 and remembers its request line."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _RefuseHandler)

    def record(self, line: str) -> None:
        with self._lock:
            self.requests.append(line)


class _RefuseHandler(socketserver.StreamRequestHandler):
    server: RefusingProxy

    def handle(self) -> None:
        line = self.rfile.readline(4096).decode("latin-1").strip()
        if line:
            self.server.record(line)  # e.g. "CONNECT cdn.jsdelivr.net:443 HTTP/1.1"
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@contextmanager
def refusing_proxy() -> Iterator[RefusingProxy]:
    with RefusingProxy() as proxy:
        thread = threading.Thread(target=proxy.serve_forever, daemon=True)
        thread.start()
        try:
            yield proxy
        finally:
            proxy.shutdown()
            thread.join(timeout=5)


class BrowserError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium process and one page in it, driven by DevTools commands."""

    def __init__(self, executable: str, flags: list[str], log: Path) -> None:
        self.page_requests: list[str] = []  # every URL the page asked for
        self._events: list[dict[str, Any]] = []
        self._buffer = b""
        self._next_id = 0
        self._session = ""
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        self._log = log.open("wb")
        # bash puts the pipe ends on the descriptors Chromium reads (3) and writes (4); bash, since
        # dash takes single-digit descriptors only.
        command = [
            "/bin/bash",
            "-c",
            f'exec "$0" "$@" 3<&{to_browser_read} 4>&{from_browser_write} '
            f"{to_browser_read}<&- {from_browser_write}>&-",
            executable,
            *flags,
        ]
        self._process = subprocess.Popen(
            command,
            pass_fds=(to_browser_read, from_browser_write),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)

    def open_page(self) -> None:
        target = self.command("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.command("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "DOM"):
            self.command(f"{domain}.enable")

    def navigate(self, url: str, timeout: float = 30) -> None:
        self._events.clear()
        result = self.command("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"{url}: {result['errorText']}")
        self.wait_for_event("Page.loadEventFired", timeout)

    def evaluate(self, expression: str) -> Any:
        result = self.command(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise BrowserError(json.dumps(result["exceptionDetails"])[:2000])
        return result["result"].get("value")

    def call_on_node(self, backend_node_id: int, function: str) -> Any:
        """Run `function` with `this` bound to a node, which may sit in a closed shadow root."""
        node = self.command("DOM.resolveNode", backendNodeId=backend_node_id)["object"]
        result = self.command(
            "Runtime.callFunctionOn",
            objectId=node["objectId"],
            functionDeclaration=function,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise BrowserError(json.dumps(result["exceptionDetails"])[:2000])
        return result["result"].get("value")

    def shadow_roots(self, css_class: str) -> list[int]:
        """Backend ids of the shadow roots (closed ones too) of the elements with a class."""
        found: list[int] = []

        def walk(node: dict[str, Any]) -> None:
            attributes = node.get("attributes", [])
            classes = dict(zip(attributes[::2], attributes[1::2], strict=True)).get("class", "").split()
            if css_class in classes:
                found.extend(root["backendNodeId"] for root in node.get("shadowRoots", []))
            for child in [*node.get("children", []), *node.get("shadowRoots", [])]:
                walk(child)

        walk(self.command("DOM.getDocument", depth=-1, pierce=True)["root"])
        return found

    def wait_until(self, expression: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise BrowserError(f"still false after {timeout}s: {expression}")
            self._pump(0.1)

    def wait_for_event(self, method: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self._events:
                if event["method"] == method:
                    return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"no {method} within {timeout}s")
            self._pump(remaining)

    def command(self, method: str, timeout: float = 30, **params: Any) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self._session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._take_replies(self._next_id):
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"{method}: no reply within {timeout}s")
            self._pump(remaining)

    def _take_replies(self, wanted: int) -> list[dict[str, Any]]:
        replies = [e for e in self._events if e.get("id") == wanted]
        self._events = [e for e in self._events if e.get("id") != wanted]
        return replies

    def _pump(self, timeout: float) -> None:
        """Read what Chromium has sent, waiting up to `timeout` seconds for something."""
        ready, _, _ = select.select([self._from_browser], [], [], timeout)
        if not ready:
            return
        chunk = os.read(self._from_browser, 1 << 20)
        if not chunk:
            raise BrowserError(f"Chromium exited (code {self._process.poll()}); see {self._log.name}")
        self._buffer += chunk
        *messages, self._buffer = self._buffer.split(b"\0")
        for raw in messages:
            message = json.loads(raw)
            if message.get("method") == "Network.requestWillBeSent":
                self.page_requests.append(message["params"]["request"]["url"])
            self._events.append(message)

    def close(self) -> None:
        with suppress(BrowserError):
            self.command("Browser.close", timeout=5)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._log.close()


def chromium_flags(user_data: Path, proxy_port: int, dead_port: int) -> list[str]:
    """Headless, a new empty profile, and no way off this machine."""
    dead = f"http://127.0.0.1:{dead_port}/"
    return [
        "--headless",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--disable-breakpad",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter,Translate,"
        "NetworkTimeServiceQuerying",
        "--allow-browser-signin=false",
        "--no-pings",
        "--metrics-recording-only",
        # Two services of the browser's own call out even so (the component updater's on-demand
        # check, sign-in's account list): they are sent to a closed loopback port, so whatever
        # reaches the proxy was asked for by a page.
        f"--component-updater=url-source={dead}",
        f"--gaia-url={dead}",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        f"--user-data-dir={user_data}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--proxy-server=http://127.0.0.1:{proxy_port}",
        "--remote-debugging-pipe",
        "about:blank",
    ]


@contextmanager
def offline_chromium(executable: str, workdir: Path) -> Iterator[tuple[Chromium, RefusingProxy]]:
    """A page in headless Chromium that can reach only 127.0.0.1, and the proxy that refused the rest."""
    # A socket bound but never listening: a port that surely refuses connections.
    with refusing_proxy() as proxy, socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        (workdir / "user-data").mkdir(parents=True)
        flags = chromium_flags(workdir / "user-data", proxy.server_address[1], dead.getsockname()[1])
        browser = Chromium(executable, flags, workdir / "chromium.log")
        try:
            browser.open_page()
            yield browser, proxy
        finally:
            browser.close()
