"""README's example prints what its comments say."""

import contextlib
import io
import re
from pathlib import Path

import pytest

from nn_crosscheck import ports

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_readme_example_output_matches_its_comments():
    missing = {f: e for f, e in ports.availability().items() if e and f in ("torch", "jax")}
    if missing:
        pytest.skip(f"the example uses torch and jax: {'; '.join(missing.values())}")
    (block,) = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    expected = [line.removeprefix("# ") for line in block.splitlines() if line.startswith("# ")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})
    assert out.getvalue().splitlines() == expected
