"""The article's network in JavaScript, with TensorFlow.js: `tfjs_network.js`, written once, run
by two hosts, the port's modes: `node` (Node.js, `tfjs_node.js`) and `chromium` (a local page in
headless Chromium, driven over the DevTools protocol, ports/cdp.py). This side only ships the
parameters in and the numbers out, as JSON; every number is computed in JavaScript, in float32
(TensorFlow.js's pure-JS CPU backend): forward, the partials by `tf.grads`, and per-sample SGD
with `tf.train.sgd`.

TensorFlow.js is the npm package `@tensorflow/tfjs`, installed into a folder this port reads and
nothing fetched when it runs: `npm install --prefix ~/.cache/nn-crosscheck/tfjs @tensorflow/tfjs`
(NN_CROSSCHECK_TFJS names another prefix). Without it the port is unavailable, with that line as
the reason; without node, or without Chromium, that mode is skipped, saying which is missing.
"""

import atexit
import json
import os
import select
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from . import cdp
from .protocol import PortError, TrainResult, canary_error, canary_operands

NAME = "tfjs"
LABEL = "tf.grads (JS)"
GRADIENTS = "autograd"
MODES = ("node", "chromium")
DTYPES = ("float32",)  # TensorFlow.js's CPU backend computes in float32 only
DEVICES = ("cpu",)
EXPECTED_SECONDS = {"node": 5, "chromium": 25}  # a training: ~1 s in node, ~16 s in the page
HERE = Path(__file__).resolve().parent
NETWORK = HERE / "tfjs_network.js"
NODE_HOST = HERE / "tfjs_node.js"
STEP_CODE = {
    "forward": ("tfjs_network.js:network", "tfjs_network.js:forward"),
    "gradients": ("tfjs_network.js:loss", "tfjs_network.js:lossAndGrads"),
    "update": ("tfjs_network.js:train",),
}
LAYERS = ("hiddenW", "hiddenB", "outputW", "outputB")  # tfjs_network.js's layers(), in order
LAYOUT = {  # {article name: (layer, index...)}: weights (in, out), as tf.matMul(X, W) reads them
    "w1": ("hiddenW", 0, 0), "w2": ("hiddenW", 1, 0), "w3": ("hiddenW", 0, 1), "w4": ("hiddenW", 1, 1),
    "w5": ("outputW", 0, 0), "w6": ("outputW", 1, 0),
    "b1": ("hiddenB", 0), "b2": ("hiddenB", 1), "b3": ("outputB", 0),
}  # fmt: skip
ENVIRONMENT = "NN_CROSSCHECK_TFJS"
PREFIX = Path(os.environ.get(ENVIRONMENT) or Path.home() / ".cache" / "nn-crosscheck" / "tfjs")
MODULES = PREFIX / "node_modules"
PACKAGE = MODULES / "@tensorflow" / "tfjs"
if not (PACKAGE / "package.json").is_file():
    raise ImportError(
        f"TensorFlow.js is not installed in {PREFIX}: npm install --prefix {PREFIX} @tensorflow/tfjs "
        f"(or set {ENVIRONMENT} to the prefix it was installed under)"
    )
TFJS_VERSION = json.loads((PACKAGE / "package.json").read_text())["version"]
NODE = shutil.which("node")
CHROMIUM = cdp.find_chromium()
NO_CHROMIUM = "tfjs: no Chromium found (apt-get install chromium, or set NN_CROSSCHECK_CHROMIUM)"
UNAVAILABLE_MODES = {
    **({} if NODE else {"node": "tfjs: no node on PATH (Node.js runs the node mode)"}),
    **({} if CHROMIUM else {"chromium": NO_CHROMIUM}),
}


TIMEOUT = 600  # seconds a host may take over one call (a training in Chromium takes ~16)


class NodeHost:
    """node running tfjs_node.js on `network`: one JSON line in, one out."""

    def __init__(self, network: Path):
        self._log = tempfile.TemporaryFile("w+")  # what TensorFlow.js prints, for an error message
        self.process = subprocess.Popen(
            [NODE, str(NODE_HOST), str(MODULES), str(network)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True,
        )  # fmt: skip

    def call(self, fn: str, *args):
        self.process.stdin.write(json.dumps({"fn": fn, "args": args}) + "\n")
        self.process.stdin.flush()
        if not select.select([self.process.stdout], [], [], TIMEOUT)[0]:
            raise PortError(f"tfjs: node gave no answer to {fn} within {TIMEOUT} s")
        line = self.process.stdout.readline()
        if not line:
            self._log.seek(0)
            raise PortError(f"tfjs: node exited (status {self.process.wait()}): {self._log.read().strip()}")
        return _reply(json.loads(line), fn)

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self._log.close()


class ChromiumHost:
    """A local page in headless Chromium that loads tf.min.js and `network`."""

    def __init__(self, network: Path):
        self._folder = tempfile.TemporaryDirectory(prefix="nn-crosscheck-tfjs-")
        page = Path(self._folder.name) / "network.html"
        scripts = (PACKAGE / "dist" / "tf.min.js", network)
        page.write_text(
            "<!doctype html><meta charset=utf-8><title>nn-crosscheck: TensorFlow.js</title>"
            + "".join(f'<script src="{s.resolve().as_uri()}"></script>' for s in scripts)
        )
        self.browser = cdp.Browser.start(CHROMIUM)
        try:
            self.browser.open(page.as_uri())
            loaded = self.browser.evaluate("typeof nnNetwork") == "object"
        except BaseException:
            self.close()
            raise
        if not loaded:
            errors = "; ".join(self.browser.console_errors) or "no error logged"
            self.close()
            raise PortError(f"tfjs: the page did not load the network ({errors})")

    def call(self, fn: str, *args):
        # The arguments cross as JSON text, parsed by the page as node parses them.
        call = f"nnNetwork[{json.dumps(fn)}](...JSON.parse({json.dumps(json.dumps(args))}))"
        expression = (
            f"JSON.stringify((() => {{ try {{ return {{result: {call}}}; }} "
            "catch (e) { return {error: String(e.stack || e)}; } })())"
        )
        evaluate = {"expression": expression, "returnByValue": True, "timeout": TIMEOUT}
        answer = self.browser.call("Runtime.evaluate", **evaluate)
        if "exceptionDetails" in answer:
            raise PortError(f"tfjs: the page raised: {answer['exceptionDetails'].get('text')}")
        return _reply(json.loads(answer["result"]["value"]), fn)

    def close(self) -> None:
        self.browser.close()
        self._folder.cleanup()


def _reply(reply: dict, fn: str):
    if "error" in reply:
        raise PortError(f"tfjs: {fn} raised in JavaScript: {reply['error'].splitlines()[0]}")
    return reply["result"]


class Port:
    """The protocol's functions on one network file (tfjs_network.js, or a copy of it), each
    host started on first use and kept for the process."""

    def __init__(self, network: Path = NETWORK):
        self.network = Path(network)
        self.hosts: dict[str, NodeHost | ChromiumHost] = {}
        atexit.register(self.close)

    def host(self, mode: str):
        if mode not in MODES:
            raise PortError(f"tfjs: unknown mode {mode!r}; valid: {', '.join(MODES)}")
        if mode in UNAVAILABLE_MODES:
            raise PortError(UNAVAILABLE_MODES[mode])
        if mode not in self.hosts:
            self.hosts[mode] = (NodeHost if mode == "node" else ChromiumHost)(self.network)
        return self.hosts[mode]

    def call(self, mode: str, fn: str, *args):
        """`fn` of the network in `mode`'s host. A call that does not come back whole (a timeout,
        an exit, Ctrl-C) ends that host: the next call starts a fresh one, never reading a stale
        reply."""
        host = self.host(mode)
        try:
            return host.call(fn, *args)
        except BaseException as error:
            if not isinstance(error, PortError) or "raised in JavaScript" not in str(error):
                self.hosts.pop(mode, None)
                _quietly(host.close)
            raise

    def forward(self, params, X, *, dtype="float32", device="cpu", mode="node") -> np.ndarray:
        """X: (n, 2) inputs -> (n,) outputs o1, computed in JavaScript."""
        _check(dtype, device)
        return np.array(self.call(mode, "forward", _numbers(params), np.asarray(X, float).tolist()))

    def loss_and_grads(self, params, x, y_true, *, dtype="float32", device="cpu", mode="node"):
        """(loss, {name: partial}) at one sample, by tf.grads."""
        _check(dtype, device)
        x = [float(v) for v in np.ravel(x)]
        loss, partials = self.call(mode, "lossAndGrads", _numbers(params), x, float(y_true))
        return loss, partials

    def train(self, params, data, all_y_trues, *, dtype="float32", device="cpu", mode="node",
              learn_rate=0.1, epochs=1000, record_steps=False) -> TrainResult:  # fmt: skip
        """Per-sample SGD with tf.train.sgd, the losses logged every tenth epoch."""
        _check(dtype, device)
        data, ys = np.asarray(data, float).tolist(), np.asarray(all_y_trues, float).tolist()
        options = (float(learn_rate), int(epochs), bool(record_steps))
        run = self.call(mode, "train", _numbers(params), data, ys, *options)
        steps = None if run["steps"] is None else np.array(run["steps"])
        return TrainResult(np.array(run["losses"]), run["params"], steps, device="cpu")

    def any_mode(self) -> str:
        """The first mode this machine can run (the mapping and the canary are the same
        JavaScript in either host)."""
        mode = next((m for m in MODES if m not in UNAVAILABLE_MODES), None)
        if mode is None:
            raise PortError("; ".join(UNAVAILABLE_MODES.values()))
        return mode

    def mse_loss(self, y_true, y_pred, *, dtype="float32", device="cpu") -> float:
        """The article's MSE, computed by TensorFlow.js."""
        _check(dtype, device)
        truth, predicted = (np.asarray(v, float).tolist() for v in (y_true, y_pred))
        return self.call(self.any_mode(), "mseLoss", truth, predicted)

    def to_native(self, params, *, dtype="float32", device="cpu") -> dict[str, np.ndarray]:
        """{layer: its values}, as TensorFlow.js holds them (weights (in, out)), read back."""
        _check(dtype, device)
        layers = self.call(self.any_mode(), "native", _numbers(params))
        return {name: np.array(v, dtype=np.float32) for name, v in zip(LAYERS, layers)}

    def matmul_canary(self, device: str = "cpu") -> float:
        a, b = canary_operands()
        return canary_error(self.call(self.any_mode(), "matmul", a.tolist(), b.tolist()))

    def version(self) -> str:
        return f"{TFJS_VERSION} (node {_node_version()})"

    def close(self) -> None:
        for host in self.hosts.values():
            _quietly(host.close)
        self.hosts.clear()


def _quietly(close) -> None:
    try:
        close()
    except Exception:  # already gone: nothing left to close
        pass


def from_native(native: dict) -> dict[str, float]:
    return {p: float(native[LAYOUT[p][0]][LAYOUT[p][1:]]) for p in LAYOUT}


def _check(dtype: str, device: str) -> None:
    if dtype != "float32":
        raise PortError(f"tfjs: computes in float32 only, not {dtype!r}")
    if device != "cpu":
        raise PortError(f"tfjs: runs on the cpu (TensorFlow.js's CPU backend), not {device!r}")


def _numbers(params) -> dict[str, float]:
    return {name: float(value) for name, value in params.items()}


def _node_version() -> str:
    if not NODE:
        return "absent"
    return subprocess.run([NODE, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()


def precision() -> dict:
    return {"backend": "cpu (pure JavaScript)", "dtype": "float32", "chromium": CHROMIUM or "absent"}


def devices() -> tuple[str, ...]:
    return ("cpu",)


_PORT = Port()
forward, loss_and_grads, train, version = _PORT.forward, _PORT.loss_and_grads, _PORT.train, _PORT.version
mse_loss, to_native, matmul_canary = _PORT.mse_loss, _PORT.to_native, _PORT.matmul_canary
