"""Files only this user may read (secrets, credentials): private from the moment they exist.

Below every package that writes one (the guide's settings and kiosk tokens, the payment keys)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path``, mode 600 from the start, replacing any older file at once.

    A file written with the umask and chmod-ed later can be opened by another user in between (an
    open file stays readable after the chmod), and an existing file keeps its mode when truncated;
    so the data goes to a new file that ``mkstemp`` creates 600, which then takes ``path``'s place.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
