"""JSON that every reader accepts: what ``--json`` prints. Python's ``json`` writes ``NaN`` and
``Infinity`` for non-finite floats, which strict parsers (browsers, jq, other languages) refuse; here
they become ``null``.

>>> dumps({"radius": float("inf"), "rooms": [1.5, float("nan")]})
'{"radius": null, "rooms": [1.5, null]}'
"""

from __future__ import annotations

import json
import math


def dumps(value, **kwargs) -> str:
    """``json.dumps(value, ensure_ascii=False, **kwargs)`` with non-finite floats as null; never emits a
    NaN or Infinity token (``allow_nan=False``)."""
    default = kwargs.pop("default", None)

    def plain(item):
        if default is None:
            raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")
        return finite(default(item))

    return json.dumps(finite(value), ensure_ascii=False, allow_nan=False, default=plain, **kwargs)


def finite(value):
    """``value`` with every non-finite float (also numpy floats) inside dicts, lists and tuples as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    if hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0 and value.dtype.kind == "f":
        return finite(float(value))
    return value
