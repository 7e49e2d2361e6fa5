"""Writing outputs atomically inside the output folder, and nowhere else."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sms_audit.errors import SmsAuditError


def safe_output_path(out_dir: Path, name: str) -> Path:
    """Resolve ``name`` inside ``out_dir``; refuse anything that would land outside it."""
    root = out_dir.resolve()
    target = (root / name).resolve()
    if target.parent != root and root not in target.parents:
        raise SmsAuditError(f"refusing to write {name!r}: it resolves outside the output folder {root}")
    return target


def write_atomic(out_dir: Path, name: str, data: str | bytes) -> Path:
    """Write to a temporary file in the same folder, then rename over the target."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = safe_output_path(out_dir, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
