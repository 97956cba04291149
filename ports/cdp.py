"""Headless Chromium driven over the Chrome DevTools Protocol through --remote-debugging-pipe (the
browser reads commands on fd 3 and writes replies and events on fd 4, each a JSON message ended
by a NUL byte), with the standard library only: the TensorFlow.js port's browser host
(ports/tfjs.py), and the tests that open the HTML report and the documentation site.

    with Browser.start(find_chromium()) as browser:
        browser.open("file:///tmp/r.html")
        facts = browser.evaluate("document.title")
        png = browser.screenshot()
        browser.console_errors   # console.error calls, uncaught exceptions, failed loads

Debian's package is `chromium`; Chrome or Ubuntu's `chromium-browser` work too, and
NN_CROSSCHECK_CHROMIUM names any other binary.
"""

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

# Headless, no sandbox (CI runs as root in a container), nothing fetched behind the page's back.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-pipe",
)  # fmt: skip
# Copies the two pipe ends above 4 first (so placing one cannot clobber the other), then onto
# 3 and 4, and execs the browser.
TRAMPOLINE = (
    "import fcntl, os, sys; r, w = (fcntl.fcntl(int(f), fcntl.F_DUPFD, 5) for f in sys.argv[1:3]); "
    "os.dup2(r, 3); os.dup2(w, 4); os.execvp(sys.argv[3], sys.argv[3:])"
)
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    named = os.environ.get("NN_CROSSCHECK_CHROMIUM")
    if named:
        return shutil.which(named) or named
    return next((path for path in map(shutil.which, CANDIDATES) if path), None)


class BrowserError(Exception):
    pass


class Browser:
    def __init__(self, process: subprocess.Popen, to_browser: int, from_browser: int, profile):
        self.process, self._out, self._in, self._profile = process, to_browser, from_browser, profile
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None
        self.events: list[dict] = []

    @classmethod
    def start(cls, binary: str, *, width: int = 1400, height: int = 1800) -> "Browser":
        profile = tempfile.TemporaryDirectory(prefix="nn-crosscheck-chromium-")
        commands_r, commands_w = os.pipe()
        replies_r, replies_w = os.pipe()
        # The child's ends placed on fds 3 and 4 by a small Python that then execs the browser:
        # no preexec_fn (which forks without exec'ing first: unsafe, and warned about, in a
        # threaded process), and no shell (dash takes single-digit descriptors only).
        process = subprocess.Popen(
            [sys.executable, "-c", TRAMPOLINE, str(commands_r), str(replies_w), binary, *FLAGS,
             f"--user-data-dir={profile.name}", f"--window-size={width},{height}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(commands_r, replies_w),
        )  # fmt: skip
        os.close(commands_r)
        os.close(replies_w)
        browser = cls(process, commands_w, replies_r, profile)
        try:
            target = browser.call("Target.createTarget", url="about:blank", session=False)["targetId"]
            attached = browser.call("Target.attachToTarget", targetId=target, flatten=True, session=False)
            browser.session = attached["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                browser.call(f"{domain}.enable")
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
        except BaseException:
            browser.close()
            raise
        return browser

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def call(self, method: str, *, session: bool = True, timeout: float = 30, **params) -> dict:
        """Send one command and wait for its reply; events that arrive meanwhile are kept."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        reply = self._wait(lambda m: m.get("id") == self._next_id, timeout, method)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def _wait(self, wanted, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if wanted(message):
                    return message
                if "method" in message:
                    self.events.append(message)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise BrowserError(f"no answer from the browser to {what} within {timeout} s")
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                raise BrowserError(f"the browser exited (status {self.process.poll()}) during {what}")
            self._buffer += chunk

    def open(self, url: str, *, timeout: float = 30) -> None:
        """Navigate and wait for the load event."""
        seen = len(self.events)
        self.call("Page.navigate", url=url)
        if any(e["method"] == "Page.loadEventFired" for e in self.events[seen:]):
            return
        self._wait(lambda m: m.get("method") == "Page.loadEventFired", timeout, f"loading {url}")

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (JSON-serialisable)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:60]!r} raised: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    @property
    def console_errors(self) -> list[str]:
        """console.error / console.assert calls, uncaught exceptions, and errors the browser logged
        (a blocked or failed load, a Content-Security-Policy violation), as text."""
        errors = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                errors.append(f"{params['entry'].get('url', '')}: {params['entry'].get('text', '')}")
        return errors

    def close(self) -> None:
        try:
            self.call("Browser.close", session=False, timeout=5)
        except (BrowserError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._out, self._in):
            try:
                os.close(fd)
            except OSError:
                pass
        self._profile.cleanup()
