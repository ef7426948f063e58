"""FastStream's view of the queue the embedder consumes from (``parley_broker.EMBEDDER``).

``parley_broker.declare_topology`` declares everything before the broker starts, so these
objects only name what exists (``declare=False``): one declaration, in one place.
"""

from __future__ import annotations

from parley_broker import EMBEDDER as EMBEDDER_QUEUE
from parley_broker import EVENTS as EVENTS_EXCHANGE
from parley_broker.faststream_views import exchange_view, queue_view

EVENTS = exchange_view(EVENTS_EXCHANGE)
EMBEDDER = queue_view(EMBEDDER_QUEUE)
