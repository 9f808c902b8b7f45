"""Documentation that runs: every example script and the README's Python quick start."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, requires_embedded

pytestmark = [pytest.mark.embedded, requires_embedded]


def run_python(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env=dict(os.environ),
    )


@pytest.mark.parametrize("example", sorted((REPO / "examples").glob("*.py")), ids=lambda p: p.name)
def test_example_runs(example: Path) -> None:
    # every example takes `[model] [count]`; one problem keeps the suite quick on 2 cores
    result = run_python([str(example), "local/smollm2-135m", "1"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_readme_python_quick_start_runs(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    blocks = [
        block
        for block in re.findall(r"```python\n(.*?)```", readme, re.S)
        if "asyncio.run" in block
    ]
    assert blocks, "the README has no runnable Python quick start"
    script = tmp_path / "quick_start.py"
    script.write_text(blocks[0])
    result = run_python([str(script)])
    assert result.returncode == 0, result.stderr
    solved, _, reflections = result.stdout.strip().partition(" ")
    assert solved in {"True", "False"} and reflections.startswith("[")
