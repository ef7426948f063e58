"""A test's own ``PARLEY_DATA_DIR`` that shares the local model's runtime files (OpenVINO's
ONNX export, ``models/``) with the environment's data directory, where ``make install``
builds them: a ``parley up`` or ``parley demo`` started on a fresh data directory then
finds the export ready instead of building it at its start, while the test run loads the
machine (a build that takes 15 s on a quiet machine takes minutes on a saturated one)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from parley_schema.settings import ParleyBaseSettings

MODELS_SUBDIR = "models"  # under PARLEY_DATA_DIR (README, "The local model's runtime")


def data_dir_sharing_model_files(data_dir: Path) -> Path:
    """``data_dir``, created, its ``models/`` the environment's data directory's (prepared
    first: a no-op when ``make install`` did it)."""
    shared = ParleyBaseSettings().data_dir
    prepare = Path(sys.executable).parent / "parley-prepare-local-model"
    subprocess.run(  # noqa: S603 - our own console script
        [str(prepare)],
        check=True,
        capture_output=True,
        env={**os.environ, "PARLEY_DATA_DIR": str(shared)},
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    if (shared / MODELS_SUBDIR).is_dir():  # torch, the fallback, has nothing to prepare
        (data_dir / MODELS_SUBDIR).symlink_to(shared / MODELS_SUBDIR, target_is_directory=True)
    return data_dir
