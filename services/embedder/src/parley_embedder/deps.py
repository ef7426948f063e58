"""What FastStream injects into the app's hooks (``main.py``).

The lifespan registers the one runtime under ``RUNTIME`` in the app's context, FastStream's
counterpart of ``parley_runtime.provided``. The subscriber takes no injected arguments (the
broker runs without FastDepends, see ``consumer.handlers``), and the settings travel inside
the runtime, so this is the only alias.
"""

from __future__ import annotations

from typing import Annotated

from faststream import Context

from parley_embedder.runtime import EmbedderRuntime

RUNTIME = "embedder_runtime"  # the runtime's key in the app's context
RuntimeDep = Annotated[EmbedderRuntime, Context(RUNTIME)]
