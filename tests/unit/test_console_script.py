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


def _script_with(before_run: str, *args: str) -> subprocess.CompletedProcess:
    """The console script with ``before_run`` executed first (a stand-in for what a run did)."""
    script = SCRIPT.replace("run()\n", before_run + "run()\n")
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_sys_exit_with_a_message_prints_it_and_exits_1():
    done = _script_with("import feedstock.cli.main as cli\n"
                        "def failing():\n    sys.exit('the message')\n"
                        "cli.main = failing\n")
    assert done.returncode == 1
    assert "the message" in done.stderr


# threading runs these on the interpreter's usual exit only, not on the prompt one
USUAL_EXIT_ONLY = ("import threading\n"
                   "threading._register_atexit(lambda: print('usual exit'))\n")


def test_a_plain_run_ends_promptly():
    done = _script_with(USUAL_EXIT_ONLY, "--version")
    assert done.returncode == 0
    assert "usual exit" not in done.stdout


def test_under_mpi_it_exits_the_usual_way():
    """mpi4py finalizes MPI on the usual exit only (mpiexec may cut other ranks off)."""
    done = _script_with(USUAL_EXIT_ONLY + "import types\n"
                        "sys.modules['mpi4py.MPI'] = types.ModuleType('mpi4py.MPI')\n",
                        "--version")
    assert done.returncode == 0
    assert "usual exit" in done.stdout


def test_the_weekly_commands_do_not_load_mpi():
    """So that `feedstock solve` and `plan-week` end promptly (MPI would take the usual exit)."""
    done = subprocess.run([sys.executable, "-c",
                           "import sys\n"
                           "import feedstock.cli.main, feedstock.optimizer.solve.pipeline\n"
                           "import feedstock.optimizer.weekly\n"
                           "print('mpi4py.MPI' in sys.modules)\n"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
