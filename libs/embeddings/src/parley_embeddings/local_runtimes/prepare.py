"""``parley-prepare-local-model``: build the local model's runtime files before the first
start (an image build, an install script), so no replica spends its start exporting."""

from __future__ import annotations

import sys

from parley_schema.errors import ConfigurationError
from parley_schema.settings import ParleyBaseSettings, load_settings_or_exit

from parley_embeddings.local_runtimes import prepare


def main() -> None:
    settings = load_settings_or_exit(ParleyBaseSettings)
    try:
        built = prepare(settings.local_model_runtime, data_dir=settings.data_dir)
    except ConfigurationError as error:
        sys.stderr.write(f"parley: {error.message}\n")
        raise SystemExit(2) from None
    runtime = settings.local_model_runtime.value
    sys.stdout.write(f"{runtime}: {built}\n" if built else f"{runtime}: nothing to prepare\n")
