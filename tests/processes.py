"""Starting and stopping the project's own services as real processes, for tests and benchmarks."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Optional

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def wait_for(url: str, seconds: float, process: subprocess.Popen, log: Path) -> None:
    """Wait until `url` answers 200, failing early with the log when the process dies."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited, log:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} not healthy after {seconds}s, log:\n{log.read_text()[-3000:]}")


def stop(process: Optional[subprocess.Popen]) -> None:
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_gateway(env: Dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """`python -m handoff` on `port`, healthy (Redis reachable) before this returns."""
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "handoff"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env, "KEFU_GATEWAY_PORT": str(port)},
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )
    wait_for(f"http://127.0.0.1:{port}/health", 30, process, log)
    return process
