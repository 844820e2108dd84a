"""The runs folder of unattended weekly planning: one lock, staged writes, atomic publish.

A weekly run writes everything into a hidden staging folder inside the runs
folder and renames it to ``<runs>/<week>/`` only when every file is complete,
so a run killed at any moment leaves no partial week folder and never touches
another week's folder. ``--force`` swaps a complete folder for the new one in
one step (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, where a
reader may briefly find the week missing but never half-written).

One run at a time per runs folder: an exclusive ``flock`` on ``<runs>/.lock``,
which the kernel releases when the process dies, however it dies. Staging
folders left by a killed run are removed by the next run, under the lock.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from feedstock.optimizer.base.errors import RunExistsError, RunLockedError

log = logging.getLogger(__name__)

LOCK_FILE = ".lock"
STAGING_PREFIX = ".staging-"
REPLACED_PREFIX = ".replaced-"  # a week folder mid-swap where the system cannot exchange
_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


@contextmanager
def runs_lock(runs_dir: Path, wait_s: float) -> Iterator[None]:
    """Hold the runs folder's lock; wait up to ``wait_s`` seconds for it, then give up."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    path = runs_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(path)
                    raise RunLockedError(
                        f"Another planning run holds {path} ({holder}); waited {wait_s:g} s. "
                        "Nothing was done: run again when it has finished.") from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "since": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _read_holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
        return f"pid {info['pid']} since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"


def sweep_staging(runs_dir: Path) -> list[str]:
    """Remove staging folders of killed runs (call under the lock: none can be live).

    A week folder that a killed run had moved aside to swap in its replacement
    (only where the system cannot exchange two folders) is put back if the week
    is missing, else removed.
    """
    gone = []
    for p in sorted(runs_dir.glob(STAGING_PREFIX + "*")):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            gone.append(p.name)
    for p in sorted(runs_dir.glob(REPLACED_PREFIX + "*")):
        week = runs_dir / p.name.removeprefix(REPLACED_PREFIX).rsplit("-", 1)[0]
        if not week.exists():
            os.rename(p, week)
            log.warning("restored %s, which an interrupted --force run had moved aside", week)
        else:
            shutil.rmtree(p, ignore_errors=True)
            gone.append(p.name)
    if gone:
        log.warning("removed %d staging folder(s) left by an interrupted run: %s", len(gone),
                    ", ".join(gone))
    return gone


@contextmanager
def staging(runs_dir: Path, week: str) -> Iterator[Path]:
    """A fresh hidden folder inside ``runs_dir``; removed if the block raises."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{week}-", dir=runs_dir))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; a week folder is not
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(tmp: Path, dest: Path, *, replace: bool) -> None:
    """Move the complete staging folder to ``dest`` in one rename.

    ``dest`` must not exist unless ``replace``; then the two folders are
    exchanged atomically and the old one removed.
    """
    _sync(tmp)
    if not dest.exists():
        os.rename(tmp, dest)  # atomic; fails if dest appeared meanwhile (we hold the lock)
        _sync_dir(dest.parent)
        return
    if not replace:
        raise RunExistsError(f"{dest} already exists; use --force to replace it.")
    if _exchange(tmp, dest):
        _sync_dir(dest.parent)
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old folder
        return
    old = dest.with_name(f"{REPLACED_PREFIX}{dest.name}-{os.getpid()}")
    os.rename(dest, old)
    os.rename(tmp, dest)
    _sync_dir(dest.parent)
    shutil.rmtree(old, ignore_errors=True)


def _sync(folder: Path) -> None:
    """Flush every file of the folder, and the folder itself, to disk (power-loss safety)."""
    for p in folder.iterdir():
        if p.is_file():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _sync_dir(folder)


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
