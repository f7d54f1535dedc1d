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
#: for ingestion, which keeps a patient's parsed messages and a group of mapped units alive
#: across many allocations: at 20,000 each young scan walked them again, and the collector
#: took 5% of a worker's CPU (0.60 s of 11.4 s for 2,000 patients' SS-MIX2 messages; 5.3 s
#: of 69 s for their receipts); at 100,000 it took 0.03 s and 0.86 s, and the same
#: cyclic garbage was collected
GC_YOUNG_INGEST = 100_000


def settle_heap(young: int = GC_YOUNG) -> None:
    """Collect once, take what start-up loaded (definitions, masters, templates) out of
    every later scan, and scan young objects less often: after ``young`` net allocations."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(young, *gc.get_threshold()[1:])
