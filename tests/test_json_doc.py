"""docs/json.md against real reports: every key a report holds is documented, and every key the
page documents is one the code writes."""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
HOMEWORK = ROOT / "examples" / "homework" / "homework.py"
PAGE = ROOT / "docs" / "json.md"
# Objects whose keys are names that vary (frameworks, parameters, tasks, warnings, quantities):
# their values are walked, their keys are not schema keys.
MAPS = {
    "environment.versions",
    "environment.frameworks",
    "environment.frameworks.*.matmul_canary",
    "weights.params",
    "implementations.warnings",
    "implementations.exact_ulps",
    "timing.task_seconds",
}


def _variant(tmp_path: Path, name: str, *edits: tuple[str, str]) -> Path:
    """homework.py under another NAME, each (old, new) edit made once."""
    text = HOMEWORK.read_text().replace('NAME = "homework"', f'NAME = "{name}"')
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} is no longer in homework.py once"
        text = text.replace(old, new)
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[dict]:
    """Two real reports: ports that pass, diverge in training, raise, and lack train (--exact
    where mpmath is installed, in worker processes where pebble is)."""
    tmp = tmp_path_factory.mktemp("json_doc")
    slip = ('"w2": d_hidden1 * x[1] * d_h1', '"w2": d_hidden1 * x[0] * d_h1')
    raises = (
        "    x, y_true = np.asarray(x",
        "    raise RuntimeError('no gradients today')\n    x, y_true = np.asarray(x",
    )
    no_train = ("def train(", "def _train(")
    variants = [
        _variant(tmp, name, edit)
        for name, edit in (("slipped", slip), ("raising", raises), ("evaluator", no_train))
    ]
    ports = [a for path in variants for a in ("--port", str(path))]
    runs = [
        ["--frameworks", "numpy,homework", "--port", str(HOMEWORK)],
        ["--frameworks", "slipped,raising,evaluator", *ports],
    ]
    exact = ["--exact"] if importlib.util.find_spec("mpmath") else []
    found = []
    for i, argv in enumerate(runs):
        path = tmp / f"report{i}.json"
        proc = subprocess.run(
            [sys.executable, "-m", "nn_crosscheck", "compare", *argv, *exact, "--quiet", "--json", str(path)],
            cwd=ROOT, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert proc.returncode in (0, 1), proc.stdout + proc.stderr
        found.append(json.loads(path.read_text()))
    return found


def _keys(value, path: str = "") -> set[str]:
    """Every schema key under `value` (the keys of MAPS' objects left out, their values walked)."""
    if isinstance(value, list):
        return set().union(*(_keys(item, path) for item in value))
    if not isinstance(value, dict):
        return set()
    keys = set()
    for key, item in value.items():
        mapped = path in MAPS
        keys |= set() if mapped else {key}
        keys |= _keys(item, f"{path}.*" if mapped else f"{path}.{key}".lstrip("."))
    return keys


def _documented() -> set[str]:
    block = re.search(r"^```\n(\{.*?^\})\n```", PAGE.read_text(), re.S | re.M)
    assert block, "docs/json.md has no schema block"
    return set(re.findall(r'"(\w+)"(?=\s*[:,}\]?])', block.group(1))) - {"pass", "fail", "error", "skip"}


def test_the_reports_cover_what_they_should(reports):
    verdicts = {c["verdict"] for r in reports for c in r["checks"]}
    assert verdicts == {"pass", "fail", "error", "skip"}
    assert any(r["divergence"] for r in reports)


def test_every_key_of_a_report_is_documented(reports):
    keys = set().union(*(_keys(r) for r in reports))
    assert keys - _documented() == set(), "keys a report holds that docs/json.md does not give"


def test_every_documented_key_is_written_by_the_code():
    source = "\n".join(p.read_text() for p in (ROOT / "crosscheck").rglob("*.py"))
    written = {k for k in _documented() if f'"{k}"' in source or f"{k}=" in source or f"'{k}'" in source}
    assert _documented() - written == set(), "keys docs/json.md gives that no code writes"


def test_a_skipped_check_passes_and_says_skip(reports):
    """The page says a skip carries "passed": true; the verdict tells it from an agreement."""
    skips = [c for r in reports for c in r["checks"] if c["verdict"] == "skip"]
    assert skips and all(c["passed"] is True and c["note"] for c in skips)
    assert '**A skipped check has `"passed": true`**' in PAGE.read_text()


def test_versions_list_the_frameworks_that_ran(reports):
    for report in reports:
        ran = {c["framework"] for c in report["checks"]}
        assert set(report["environment"]["versions"]) == {"python", "numpy"} | ran
