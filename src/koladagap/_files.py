"""The one atomic file writer of koladagap.

Every file koladagap writes (cache partitions, metadata tables, reports, packs) goes
through :func:`atomic_path` or :func:`write_atomic`: the content is written to a
temporary file in the target's own folder, flushed to disk (``fsync``) and moved onto
the target with :func:`os.replace`, which is atomic on POSIX and Windows. A reader
therefore sees the old file or the new one, never half of either, and a writer that
fails or is killed leaves the target as it was (a crash can leave a temp file behind;
its name starts with a dot and ends in ``.tmp``). The temp file is removed on any
error, and an :class:`OSError` then names the target, not the temp file.

The temp name is unpredictable (the process id and 48 random bits) and the file is
created with ``O_EXCL`` and ``O_NOFOLLOW``: a file or symlink planted under that name
makes the write fail instead of being followed, and :func:`os.replace` replaces a
symlink at the target itself, never the file it points to.

New files get the usual permissions: ``0o666`` less the process umask, as
:func:`open` gives, so that reports are readable by colleagues (``tempfile.mkstemp``
would give ``0o600``). A caller that wants other permissions passes ``mode``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

#: Permissions asked for new files; the umask is taken off, as with :func:`open`.
DEFAULT_MODE = 0o666

Content = bytes | str | Callable[[BinaryIO], object]


def temp_path(path: Path, prefix: str | None = None) -> Path:
    """A fresh temp file name beside ``path``: ``<prefix><pid>-<random>.tmp``.

    ``prefix`` defaults to ``.<name>.``; it should start with a dot so that globs and
    dataset readers skip the file.

    >>> temp_path(Path("/x/report.xlsx")).name.startswith(".report.xlsx.")
    True
    >>> temp_path(Path("/x/part.parquet"), ".part-").suffix
    '.tmp'
    """
    stem = prefix if prefix is not None else f".{path.name}."
    return path.parent / f"{stem}{os.getpid()}-{secrets.token_hex(6)}.tmp"


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk, so a rename in it survives a power cut (POSIX)."""
    if os.name != "posix":  # pragma: no cover - folders cannot be opened on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _named(err: OSError, tmp: Path, path: Path) -> OSError:
    """``err`` naming ``path`` (the file asked for) instead of the temp file or nothing."""
    if err.filename not in (None, str(tmp), os.fspath(tmp)):
        return err
    named = OSError(err.errno, err.strerror or str(err), str(path))
    return named if named.errno is not None else err


def _create(tmp: Path, mode: int) -> int:
    """Create ``tmp`` (it must not exist; a symlink there is not followed); its descriptor."""
    return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, mode)


@contextmanager
def _temp_for(path: Path, mode: int, prefix: str | None) -> Iterator[tuple[Path, int]]:
    """Create an empty temp file beside ``path``; replace ``path`` by it if the block succeeds.

    Yields the temp file's name and an open descriptor for writing (closed on exit).
    Any failure removes the temp file; an :class:`OSError` then names ``path``.
    """
    tmp = temp_path(path, prefix)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # the folder: say which, and name the file asked for
        why = f"{err.strerror or err}: {err.filename}" if err.filename else str(err)
        raise OSError(err.errno, why, str(path)) from err
    try:
        fd = _create(tmp, mode)
    except OSError as err:
        raise _named(err, tmp, path) from err
    try:
        try:
            yield tmp, fd
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise _named(err, tmp, path) from err
        raise
    fsync_dir(path.parent)


@contextmanager
def atomic_path(
    path: Path, *, mode: int = DEFAULT_MODE, prefix: str | None = None
) -> Iterator[Path]:
    """A temp file beside ``path`` to write to by name; it replaces ``path`` on success.

    For writers that want a file name (xlsxwriter, ``savefig``, a subprocess). The
    temp file exists (empty) when the block starts; it is synced to disk and moved
    onto ``path`` when the block ends without error, and removed otherwise.

    Args:
        path: the file to write; its folder is created if needed.
        mode: permissions for a new file, less the umask (default ``0o666``).
        prefix: start of the temp file's name (default ``.<name>.``).

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("hej", encoding="utf-8")
    >>> target.read_text(encoding="utf-8")
    'hej'
    """
    with _temp_for(path, mode, prefix) as (tmp, _fd):
        yield tmp
        _fsync_file(tmp)


def write_atomic(
    path: Path, content: Content, *, mode: int = DEFAULT_MODE, prefix: str | None = None
) -> None:
    """Write ``content`` to ``path`` atomically (see the module docstring).

    Args:
        path: the file to write; its folder is created if needed.
        content: bytes, text (written as UTF-8), or a callback that writes to the
            open binary handle it is given.
        mode: permissions for a new file, less the umask (default ``0o666``).
        prefix: start of the temp file's name (default ``.<name>.``).

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.bin"
    >>> write_atomic(target, lambda f: f.write(b"abc"))
    >>> write_atomic(target, target.read_bytes() + b"d")
    >>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
    (b'abcd', ['x.bin'])
    """
    with _temp_for(path, mode, prefix) as (_tmp, fd), os.fdopen(os.dup(fd), "wb") as f:
        if isinstance(content, str):
            f.write(content.encode("utf-8"))
        elif isinstance(content, bytes):
            f.write(content)
        else:
            content(f)
        f.flush()
        os.fsync(f.fileno())
