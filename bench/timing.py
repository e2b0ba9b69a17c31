"""Shared timing helper for the benchmarks (run them from the repository root: ``python bench/<name>.py``)."""

import time

REPEATS = 5


def best_of(func, *args, **kwargs) -> float:
    """The fastest of REPEATS runs of ``func(*args, **kwargs)``, in seconds."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        func(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times)
