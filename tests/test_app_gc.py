"""The UI thread's garbage collector frees every cycle, also those that outlived a young pass (a long session
would otherwise grow: layer payloads, frames and Qt wrappers caught in cycles are large)."""

import gc
import weakref

from desktop.app import MainThreadGarbageCollector


class _Node:
    pass


def test_a_cycle_that_reached_the_oldest_generation_is_freed(qapp, qtbot):
    collector = MainThreadGarbageCollector(qapp, interval_ms=5)
    try:
        assert not gc.isenabled()  # only the timer collects
        node = _Node()
        node.me = node  # a cycle: reference counting alone never frees it
        alive = weakref.ref(node)
        gc.collect(1)  # still referenced: it survives two passes and is now in the oldest generation
        del node
        qtbot.waitUntil(lambda: alive() is None, timeout=10_000)
    finally:
        collector.timer.stop()


def test_what_the_app_holds_from_start_is_left_out_of_collections_and_later_cycles_are_still_freed(qapp, qtbot):
    from desktop.app import keep_startup_objects

    collector = MainThreadGarbageCollector(qapp, interval_ms=5)
    try:
        keep_startup_objects()
        assert gc.get_freeze_count() > 10_000  # the imported modules' objects: no pass scans them again
        node = _Node()
        node.me = node
        alive = weakref.ref(node)
        gc.collect(1)
        del node
        qtbot.waitUntil(lambda: alive() is None, timeout=10_000)  # made after: freed as before
    finally:
        gc.unfreeze()  # (the other tests' objects are theirs to free)
        collector.timer.stop()
