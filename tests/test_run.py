"""`hall run`: the web (gunicorn) runs in a child process, and lives and dies with `hall run`.

These start the real command on an empty SQLite instance and a free loopback port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def hall_run(tmp_path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HALL_")}
    env["HALL_INSTANCE_PATH"] = str(tmp_path / "instance")
    command = "from hall.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", command, "run", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so cleanup reaches any orphan
    )


def clean_up(hall: subprocess.Popen) -> tuple[str, str]:
    """Ends whatever is left of the group (an orphaned gunicorn holds the pipes open)."""
    try:
        return hall.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(hall.pid, signal.SIGKILL)
        return hall.communicate()


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=lambda signum: signum.name
)
def test_signalling_hall_run_stops_the_web_server_too(tmp_path, signum):
    port = free_port()
    hall = hall_run(tmp_path, port)
    try:
        assert wait_until(lambda: answers(port), START_SECONDS), hall.stderr
        hall.send_signal(signum)  # to `hall run` alone, as `kill` or a service manager does

        code = hall.wait(timeout=30)
        assert code == (-signal.SIGKILL if signum == signal.SIGKILL else 0)
        assert wait_until(lambda: not answers(port), 10), "gunicorn outlived `hall run`"
    finally:
        clean_up(hall)


def test_a_web_server_that_cannot_start_is_a_failure_with_a_reason(tmp_path):
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        hall = hall_run(tmp_path, port)
        try:
            hall.wait(timeout=START_SECONDS)
        finally:
            _, stderr = clean_up(hall)

    assert hall.returncode != 0
    assert "web server (gunicorn) stopped with exit code" in stderr
    assert "Address already in use" in stderr  # gunicorn's own line, kept
