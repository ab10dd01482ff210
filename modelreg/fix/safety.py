"""What a fix must never write, and how it writes: a parse check, the project root, atomic replacement.

The last stage of the pipeline, and the only one that touches the disk. Every refusal is a
:class:`FixError` whose message is the one-line diagnostic the user reads.
"""

from __future__ import annotations

import ast
import contextlib
import os
import stat
import tempfile

from ..index import decode
from .types import FileFix

try:  # POSIX advisory locks; without them concurrent fixes are not serialized
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


class FixError(Exception):
    """A fix that cannot be written (it would not parse, or would escape the project)."""


TOO_DEEP = "the file is too deeply nested to edit safely; nothing written"


def check_parses(path: str, data: bytes) -> None:
    """Refuse a result Python would not parse."""
    try:
        ast.parse(decode(data))
    except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
        raise FixError(f"the fixed file would not parse ({exc}); nothing written") from None


def inside(path: str, root: str) -> bool:
    real = os.path.realpath(path)
    real_root = os.path.realpath(root)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def write(fx: FileFix, root: str) -> None:
    """Write atomically: a temporary file in the same directory, then os.replace, with the permission
    bits, owner and group of the file it replaces. A file with other hard links, or one whose owner or
    group this process cannot give a new file, is rewritten in place instead (same inode). A read-only
    registry is never written."""
    if not inside(fx.path, root):
        raise FixError(f"refusing to write outside the project root {root} (the registry resolves to {os.path.realpath(fx.path)})")
    target = os.path.realpath(fx.path)
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    st = None
    if fx.old is not None:
        st = _still_as_read(target, fx.old)
        if st.st_nlink > 1 or not _can_give(st) or not os.access(directory, os.W_OK):
            _write_in_place(target, fx.new)
            return
    elif os.path.lexists(fx.path):
        raise FixError("refusing to create the registry: something is already at that path")
    _replace(target, fx.new, st)


def _still_as_read(target: str, old: bytes) -> os.stat_result:
    """The file's status, once it is known to hold what the fix read and to be writable."""
    with open(target, "rb") as f:
        if f.read() != old:
            raise FixError("the file changed while modelreg was fixing it; nothing written")
    st = os.stat(target)
    if not os.access(target, os.W_OK):  # what this process may write (root may write a 0444 file)
        raise FixError(
            f"the registry is read-only (mode {stat.filemode(st.st_mode)}); nothing written: make it writable to fix it"
        )
    return st


def _replace(target: str, data: bytes, st) -> None:
    """A temporary file beside `target` (with `st`'s mode, owner and group), then os.replace."""
    fd, tmp = tempfile.mkstemp(prefix=".modelreg-", suffix=".tmp", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            if hasattr(os, "chown") and (os.stat(tmp).st_uid, os.stat(tmp).st_gid) != (st.st_uid, st.st_gid):
                os.chown(tmp, st.st_uid, st.st_gid)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _can_give(st: os.stat_result) -> bool:
    """Whether a new file written by this process can take this owner and group."""
    if not hasattr(os, "geteuid"):  # pragma: no cover - Windows
        return True
    if os.geteuid() == 0:
        return True
    return st.st_uid == os.geteuid() and (st.st_gid == os.getegid() or st.st_gid in os.getgroups())


def _write_in_place(target: str, data: bytes) -> None:
    """Rewrite the file's own inode (hard links, owner and group stay): one write, then fsync."""
    with open(target, "r+b") as f:
        f.write(data)
        f.truncate()
        f.flush()
        os.fsync(f.fileno())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def project_lock(root: str):
    """Serialize `--fix` runs on one project: an exclusive flock on the root directory (no lock file)."""
    if fcntl is None:
        yield
        return
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
