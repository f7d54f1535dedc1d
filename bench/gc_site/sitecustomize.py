"""The garbage collector's CPU time in every Python process that starts with this folder on
``PYTHONPATH``, ingest workers included (they inherit the environment):

    PYTHONPATH=bench/gc_site python bench/ingest_rates.py --patients 2000 --formats ssmix2 uke --cpu

Each process prints, when it exits, one ``GCSTAT`` line to standard error: the CPU seconds
spent in collections and their number, the process's CPU seconds, and the thresholds it
ended with.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import time
from typing import Any

_spent = [0.0, 0.0]  # CPU seconds in collections, collections
_started: list[float] = []


def _time(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[:] = [time.process_time()]
    elif _started:
        _spent[0] += time.process_time() - _started[0]
        _spent[1] += 1


def _report() -> None:
    sys.stderr.write(
        f"GCSTAT pid={os.getpid()} gc={_spent[0]:.2f}s n={int(_spent[1])} "
        f"cpu={time.process_time():.2f}s threshold={gc.get_threshold()}\n"
    )


gc.callbacks.append(_time)
atexit.register(_report)
