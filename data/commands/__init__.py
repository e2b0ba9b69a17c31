"""Scripted subcommands of ``main.py``, one module each (no Qt).

Every module here defines ``register(subparsers) -> None``, adding its subparser(s) with
``set_defaults(func=handler)``; a handler takes the parsed args and returns the exit code. ``main.py``
finds the modules by listing this package. Raise :class:`gis.errors.UserError` for user mistakes.
"""

import importlib
import pkgutil


def register_all(subparsers) -> None:
    """Let every command module in this package add its subcommands."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{info.name}").register(subparsers)
