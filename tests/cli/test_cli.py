import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ponder.cli.app import app
from tests.conftest import REPO

runner = CliRunner()
PONDER = [sys.executable, "-m", "ponder"]


def ponder(
    *args: str, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PONDER, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or dict(os.environ),
        cwd=REPO,
    )


def test_scenario_schema_is_json_schema() -> None:
    result = runner.invoke(app, ["scenario", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "Scenario" and schema["required"] == ["name"]
    assert {"tasks", "environment", "debate", "team", "search", "memory"} <= set(
        schema["properties"]
    )


def test_scenario_check_ok_and_bad(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["scenario", "check", str(REPO / "scenarios/quickstart.yaml")])
    assert ok.exit_code == 0 and "ok (quickstart, refine/reflexion)" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntasks: {source: basic_arithmetic}\nmax_trails: 2\n")
    result = ponder("scenario", "check", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {bad}: max_trails: unknown key"
    assert "Traceback" not in result.stderr + result.stdout


def test_run_with_a_bad_scenario_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntasks: {source: chess}\n")
    result = ponder("run", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "tasks.source: unknown task source 'chess'" in lines[0]
    missing = ponder("run", str(tmp_path / "missing.yaml"))
    assert missing.returncode == 2 and "file not found" in missing.stderr


def test_graph_draw_prints_mermaid() -> None:
    result = runner.invoke(app, ["graph", "draw", "refine"])
    assert result.exit_code == 0
    assert (
        "graph TD;" in result.stdout
        and "act --> evaluate" in result.stdout
        and "reflect --> act" in result.stdout
    )
    refine = runner.invoke(app, ["graph", "draw", "refine", "--mode", "self-refine"])
    assert "act --> critique" in refine.stdout
    unknown = runner.invoke(app, ["graph", "draw", "maze"])
    assert unknown.exit_code == 2
    embodied = runner.invoke(app, ["graph", "draw", "embodied"])
    assert embodied.exit_code == 0 and "act -.-> reflect" in embodied.stdout
    search = runner.invoke(app, ["graph", "draw", "search"])
    assert search.exit_code == 0 and "graph TD;" in search.stdout


class _Unauthorized(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.dumps(
            {
                "error": {
                    "message": "Incorrect API key provided",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            }
        )
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def unauthorized_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_authentication_error_is_one_line_and_hides_the_key(
    tmp_path: Path, unauthorized_server: str
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: auth\ntasks: {source: basic_arithmetic, limit: 1}\n"
        f"output_dir: {tmp_path / 'runs'}\nmodel_params: {{api_base: '{unauthorized_server}'}}\n"
    )
    secret = "sk-proj-" + "S3cr3tValue" * 4
    env = dict(os.environ) | {"OPENAI_API_KEY": secret}
    env.pop("PONDER_BLOCK_REMOTE")  # the "remote" here is a server on loopback
    result = ponder("run", str(scenario), "--model", "openai/gpt-4o-mini", "--quiet", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: model openai/gpt-4o-mini: authentication failed")
    assert "Traceback" not in result.stderr
    run_dir = next((tmp_path / "runs").iterdir())
    for path in run_dir.iterdir():
        if path.is_file():
            assert secret not in path.read_text(errors="ignore")
    assert secret not in result.stdout + result.stderr
