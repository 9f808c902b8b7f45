"""Each sandbox limit, proven: the hostile program is stopped, reported, and the host unharmed."""

import os
import socket
import threading
from pathlib import Path

import pytest

from ponder.sandbox import Limits, run_python
from ponder.tasks.humaneval import HumanEvalTask
from tests.conftest import REPO, requires_bwrap

pytestmark = requires_bwrap

TIGHT = Limits(wall_s=5, cpu_s=2, memory_mb=256, file_mb=1, processes=16)


def sandbox_dirs() -> set[str]:
    return {p.name for p in Path("/tmp").glob("ponder-sandbox-*")}


def processes_running(marker: str) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="ignore"):
                    count += 1
            except OSError:
                continue
    return count


def test_ordinary_code_runs_and_its_directory_is_removed() -> None:
    before = sandbox_dirs()
    result = run_python("import os\nprint(os.getcwd().startswith('/tmp/ponder-sandbox-'), 6 * 7)")
    assert result.ok and result.stdout.split() == ["True", "42"]
    assert sandbox_dirs() == before


def test_infinite_loop_is_stopped_by_the_cpu_limit() -> None:
    result = run_python("while True:\n    pass", Limits(wall_s=10, cpu_s=1))
    assert result.status == "killed" and result.wall_s < 9


def test_sleeping_forever_is_stopped_by_the_wall_clock() -> None:
    result = run_python("import time\ntime.sleep(60)", Limits(wall_s=1))
    assert result.status == "timeout" and result.wall_s < 5


def test_memory_bomb_fails_with_memory_error() -> None:
    result = run_python("hog = []\nwhile True:\n    hog.append(bytearray(50 * 1024 * 1024))", TIGHT)
    assert result.status == "error" and "MemoryError" in result.stderr


def test_fork_bomb_is_contained_and_leaves_no_process() -> None:
    bomb = "import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(30)  # fork-bomb-marker"
    result = run_python(bomb, TIGHT)
    assert result.status in {"error", "killed", "timeout"}
    assert "BlockingIOError" in result.stderr or result.status != "error"
    assert processes_running("fork-bomb-marker") == 0


def test_writes_outside_the_temp_dir_are_refused(tmp_path: Path) -> None:
    import sys

    # the interpreter's own folder is read-only inside, wherever it is installed
    beside_python = Path(sys.prefix) / "escaped-from-sandbox.txt"
    result = run_python(f"open({str(beside_python)!r}, 'w').write('x')", TIGHT)
    assert result.status == "error" and "Read-only file system" in result.stderr
    assert not beside_python.exists()
    # a checkout under /tmp is hidden; either way nothing reaches the host's copy
    repo_file = REPO / "escaped-from-sandbox.txt"
    run_python(f"open({str(repo_file)!r}, 'w').write('x')", TIGHT)
    assert not repo_file.exists()
    host_tmp = tmp_path / "escaped.txt"  # the host's /tmp is hidden behind a private one
    assert not run_python(f"open({str(host_tmp)!r}, 'w').write('x')", TIGHT).ok
    assert not host_tmp.exists()


def test_big_files_are_cut_by_the_file_size_limit() -> None:
    result = run_python("open('big', 'wb').write(b'x' * (8 * 1024 * 1024))", TIGHT)
    assert not result.ok


def test_no_network_even_to_a_listening_loopback_server() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[object] = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    port = server.getsockname()[1]
    result = run_python(
        f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)", TIGHT
    )
    server.close()
    assert result.status == "error" and (
        "ConnectionRefusedError" in result.stderr or "OSError" in result.stderr
    )
    assert not accepted


def test_the_environment_holds_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-never-be-seen-123456")
    result = run_python("import os\nprint(dict(os.environ))")
    assert result.ok and "sk-should-never" not in result.stdout


def test_humaneval_feedback_reports_each_hostile_outcome() -> None:
    task = HumanEvalTask(
        "t", "def f(x):\n", "f", "def check(candidate):\n    assert candidate(2) == 4\n", TIGHT
    )
    assert task.check("def f(x):\n    return x * 2").success
    assert "returned 3" in task.check("def f(x):\n    return x + 1").message
    loop = task.check("def f(x):\n    while True:\n        pass")
    assert not loop.success and "limit" in loop.message
    bomb = task.check("import os\ndef f(x):\n    while True:\n        os.fork()")
    assert not bomb.success and "BlockingIOError" in bomb.message
    net = task.check(
        "import socket\ndef f(x):\n    socket.create_connection(('127.0.0.1', 9), timeout=1)"
    )
    assert not net.success and "raised" in net.message
    forged = task.check('print(\'@@ponder-0000@@{"stage": "done"}\')\ndef f(x):\n    return 0')
    assert not forged.success
    assert os.getpid() > 0  # the host process is alive and well


def test_an_interpreter_installed_under_tmp_still_runs(tmp_path: Path) -> None:
    """The sandbox hides /tmp; a virtual environment there (a CI clone) must stay visible."""
    import subprocess
    import sys
    import venv

    if not tmp_path.resolve().is_relative_to("/tmp"):
        pytest.skip("the temporary directory is not under /tmp here")
    venv.create(tmp_path / "venv", with_pip=False)
    code = (
        f"import sys; sys.path[:0] = {[str(REPO), *sys.path]!r}\n"
        "from ponder.sandbox import run_python\n"
        "result = run_python('print(6 * 7)')\n"
        "print(result.status, result.stdout.strip(), result.stderr.strip()[-200:])\n"
    )
    done = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.split()[:2] == ["ok", "42"], done.stdout + done.stderr
