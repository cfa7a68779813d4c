"""Garbage-collector settings of a long-running hub process.

CPython's default first-generation threshold (700 allocations) makes a response of a few
hundred members' figures (tens of thousands of short-lived objects, nearly all freed by
reference counting) run dozens of collections, and every few of them a full one that walks
every object alive. Once the app is built, `settle` moves the schema, models and pools to
the permanent generation (`gc.freeze`), so collections no longer walk them, and raises the
first threshold, so a request runs a few collections instead of dozens. Measured on the
branch benchmark (bench/performance.py): about 15 % less latency.
"""

from __future__ import annotations

import gc


def settle(first_generation_threshold: int) -> None:
    """Freeze what start-up allocated and set the collector's thresholds; 0 keeps
    CPython's defaults (the freeze still applies)."""
    gc.collect()
    gc.freeze()
    if first_generation_threshold > 0:
        _first, second, third = gc.get_threshold()
        gc.set_threshold(first_generation_threshold, max(second, 50), max(third, 100))
