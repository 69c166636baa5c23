"""``ggzy bench``: argument checks, the helpers, and one short smoke run (JSON shape only — timings
are never asserted)."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ggzy.platform import bench
from ggzy.platform.tests.conftest import GGZY


def test_percentile_and_redaction() -> None:
    values = [float(v) for v in range(1, 101)]
    assert bench.percentile(values, 50) == 50.0
    assert bench.percentile(values, 95) == 95.0
    assert bench.percentile([], 95) == 0.0
    assert bench.redact_url("postgres://u:secret@127.0.0.1:5432/db") == "postgres://u:***@127.0.0.1:5432/db"
    assert bench.redact_url("sqlite:////tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"


def test_machine_info() -> None:
    info = bench.machine_info()
    assert info["nproc"] and "python" in info


@pytest.fixture
def tiny_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = b"ok"
            self.send_response(200 if self.path == "/" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_python_load_generator(tiny_server: str) -> None:
    ok = bench.run_python_load(tiny_server + "/", duration=0.5, connections=2)
    assert ok["requests"] > 0 and ok["non_2xx_3xx"] == 0 and ok["p95_ms"] >= ok["p50_ms"] >= 0
    missing = bench.run_python_load(tiny_server + "/nope", duration=0.3, connections=1)
    assert missing["non_2xx_3xx"] == missing["requests"] > 0


@pytest.mark.skipif(bench.wrk_path() is None, reason="wrk not installed")
def test_wrk_parsing(tiny_server: str) -> None:
    figures = bench.run_wrk(tiny_server + "/", duration=1, connections=2, threads=1)
    assert figures["requests"] > 0 and figures["requests_per_s"] > 0
    assert {"p50_ms", "p95_ms", "p99_ms", "non_2xx_3xx", "socket_errors"} <= figures.keys()


@pytest.mark.parametrize(
    "args",
    [
        ["--scale", "-1"],
        ["--duration", "0"],
        ["--connections", "0"],
        ["--targets", "home,nothing"],
        ["--database-url", "mysql://x/y"],
    ],
)
def test_bad_arguments(args: list[str]) -> None:
    with pytest.raises(CommandError) as exc:
        call_command("bench", *args)
    assert exc.value.returncode == 2


def test_smoke_run_prints_json(child_env: dict[str, str], tmp_path: Path) -> None:
    """Scale 0 (demo cast + ~30 recent items), two targets, half a second each: ~15 s."""
    db = tmp_path / "bench-smoke.sqlite3"
    proc = subprocess.run(
        [
            GGZY,
            "bench",
            "--scale",
            "0",
            "--database-url",
            f"sqlite:///{db}",
            "--duration",
            "0.5",
            "--connections",
            "2",
            "--targets",
            "home,notice_detail",
            # Every capability benchmark is run by `ggzy bench`; the smoke run takes a quick one.
            "--capabilities",
            "evaluation_scoring",
        ],
        env={**child_env, "GGZY_BENCH_DISCLOSURE_N": "200"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["scale"] == 0 and report["load_generator"] in ("wrk", "python")
    assert report["load"]["loaded"] is True
    assert {"nproc", "cpu_model", "memory_gib"} <= report["machine"].keys()
    assert report["server"]["impl"] == "granian"
    names = [t["name"] for t in report["targets"]]
    assert names == ["static", "home", "notice_detail"]
    for target in report["targets"]:
        assert target["status"] == 200
        assert {"requests_per_s", "p50_ms", "p95_ms", "ratio_to_static"} <= target.keys()
    assert report["targets"][0]["ratio_to_static"] == 1.0
    python = report["python"]
    assert python["audit_record"]["appends"] > 0
    assert "p50_ms" in python["search_query"]
    assert python["counts"]["notices"] > 0
    assert python["disclosure"]["stats"]["applications_in_year"] == 200
    assert set(python["capabilities"]) == {"evaluation_scoring"}
    assert "error" not in python["capabilities"]["evaluation_scoring"], python["capabilities"]
    assert python["disclosure"]["stats"]["checks_passed"] is True


def test_every_registered_capability_benchmark_exists() -> None:
    import importlib
    import inspect

    from ggzy.platform.bench import CAPABILITIES

    keys = [key for key, _, _ in CAPABILITIES]
    assert len(keys) == len(set(keys))
    for _key, target, kwargs in CAPABILITIES:
        module_name, _, function_name = target.partition(":")
        function = getattr(importlib.import_module(module_name), function_name)
        # The registered keyword arguments must be ones the function accepts.
        inspect.signature(function).bind(**kwargs)
