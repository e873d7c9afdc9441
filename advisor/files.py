"""Reading a file a user names: regular files only, opened without blocking, within a byte cap.

A named pipe, device or socket is refused before it is opened, and again after (a file
swapped for a pipe between the two checks), so `/dev/zero` or a FIFO cannot fill memory or
hang the reader.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

KINDS = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}
_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class Refused(Exception):
    """A file that is not read: not a regular file, or over the byte cap (the message says)."""


def not_regular(mode: int) -> str:
    """Why a file of this mode is not read, e.g. "not a regular file (a named pipe)"."""
    return f"not a regular file ({KINDS.get(stat.S_IFMT(mode), 'a special file')})"


def read_regular(path: Path, cap: int, cap_name: str) -> bytes:
    """The bytes of a regular file of at most `cap` bytes; `cap_name` ends the over-cap reason
    (e.g. "(ADVISOR_MAX_FILE_BYTES)"). OSError when it cannot be opened or read."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise Refused(not_regular(mode))
    fd = os.open(path, _FLAGS)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(not_regular(info.st_mode))
        if info.st_size > cap:
            raise Refused(f"larger than the {cap}-byte cap {cap_name}")
        data = fh.read(cap + 1)
    if len(data) > cap:  # grew after the size check
        raise Refused(f"larger than the {cap}-byte cap {cap_name}")
    return data
