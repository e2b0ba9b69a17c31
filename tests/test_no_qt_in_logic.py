"""Contract: gis/ and data/ never import Qt, directly or through anything they import."""

import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> list[str]:
    return [package] + [f"{package}.{m.name}" for m in pkgutil.walk_packages([str(ROOT / package)], "")
                        if not m.name.startswith("_")]


def test_logic_packages_import_without_qt():
    modules = _modules("gis") + _modules("data")
    code = (
        "import sys, importlib\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6', 'qtpy'))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"Qt imported by logic packages: {result.stdout}"
    assert len(modules) > 8  # the walk found the real modules
