"""The ``feedstock`` console script (cli.main.run): exit codes, exit handlers, flushed output.

It ends the process without freeing the objects left (os._exit), so these run it
in a process of its own.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = ("import atexit, sys\n"
          "atexit.register(lambda: print('exit handler ran'))\n"
          "from feedstock.cli.main import run\n"
          "sys.argv = ['feedstock', *sys.argv[1:]]\n"
          "run()\n")


def _feedstock(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_invalid_input_exits_2_with_its_message_and_the_handlers_run(tmp_path):
    done = _feedstock("validate", str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert "scenario folder does not exist" in done.stderr
    assert done.stdout.strip().endswith("exit handler ran")


def test_success_exits_0_with_its_output_flushed():
    done = _feedstock("--version")
    assert done.returncode == 0
    assert "version" in done.stdout
    assert done.stdout.strip().endswith("exit handler ran")


def test_a_usage_error_keeps_clicks_exit_code():
    done = _feedstock("solve", "--no-such-option")
    assert done.returncode == 2
    assert "No such option" in done.stderr
