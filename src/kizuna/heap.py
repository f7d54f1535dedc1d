"""Garbage-collector settings for Kizuna's long-running and bulk-working processes.

Parsing, validating and indexing allocate many small, short-lived containers (a FHIR
resource is a tree of dicts and lists; a cold chart is tens of thousands of them). With
Python's default young-generation threshold (700 allocations) the collector ran so often
that it took about a third of a bulk loader's CPU and showed as latency spikes in the
server (``docs/performance.md``). None of this work builds reference cycles that matter
before the next collection, so collecting young objects every 20,000 allocations is safe.
"""

from __future__ import annotations

import gc

#: young-generation threshold for serving and loading processes (Python's default is 700)
GC_YOUNG = 20_000


def settle_heap() -> None:
    """Collect once, take what start-up loaded (definitions, masters, templates) out of
    every later scan, and scan young objects less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
