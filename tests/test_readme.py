"""README is one screen to decide by, and every command in it runs; the pages' Python examples
print what their comments say."""

import contextlib
import io
import re
from pathlib import Path

import pytest

from nn_crosscheck import ports

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
CI = (ROOT / ".ci" / "run").read_text()


def commands(text: str) -> list[str]:
    """The command lines of a page: its indented blocks, line by line."""
    return [line[4:] for line in text.splitlines() if re.match(r"    \S", line)]


def test_readme_is_one_screen():
    assert len(README.splitlines()) <= 150


def test_every_command_in_the_readme_is_run_by_ci_or_a_test():
    """The two commands are the ones `.ci/run` runs (README's install with the docs extra, then
    `crosscheck compare`, then the test command), the demo is run by tests/test_shown_outputs.py,
    and the site's by `.ci/run` (mkdocs build --strict, as README says) and tests/test_site.py."""
    install, tests = 'pip install "torch==2.13.0" -e ".[all]"', "python -m pytest -n auto --dist loadgroup"
    demo = [line for line in commands(README) if "/tmp/demo" in line]
    site = 'pip install -e ".[docs]" && mkdocs serve'
    shown = commands(README)
    assert shown[:2] == [f"{install} && crosscheck compare", tests]
    assert 'pip install --quiet "torch==2.13.0" -e ".[all,docs]"' in CI  # README's, and the docs extra
    assert "\ncrosscheck compare --quiet\n" in CI  # the main job, after the install
    assert f"\n{tests}\n" in CI  # README's test command, as written
    assert "mkdocs build --strict" in CI
    assert len(demo) == 3
    # Anything else README shows would be a command no one runs: say where it is checked first.
    output = [line for line in shown if line.startswith("gradients [Alice/w2]")]  # the demo's, checked
    assert [line for line in shown if line not in [*shown[:2], *demo, *output, site]] == []


@pytest.mark.parametrize("page", ["docs/getting-started.md"])
def test_a_pages_python_example_prints_what_its_comments_say(page):
    missing = {f: e for f, e in ports.availability().items() if e and f in ("torch", "jax")}
    if missing:
        pytest.skip(f"the example uses torch and jax: {'; '.join(missing.values())}")
    (block,) = re.findall(r"```python\n(.*?)```", (ROOT / page).read_text(), flags=re.S)
    expected = [line.removeprefix("# ") for line in block.splitlines() if line.startswith("# ")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, page, "exec"), {})
    assert out.getvalue().splitlines() == expected
