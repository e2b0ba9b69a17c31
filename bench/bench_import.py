"""Benchmark: importing a large CSV of cases (target: peak memory <= 500 MB for 6M rows / 300 MB).

    python bench/bench_import.py                 # 1,000,000 rows (~50 MB)
    python bench/bench_import.py --rows 6200000  # the 300 MB file of issue 11

Generates the CSV (Chinese headers, GBK-free UTF-8, one row in 200 with a bad coordinate so rejections
are exercised) in a temporary folder, runs ``main.py import`` under ``/usr/bin/time -v`` and prints wall
time and peak resident memory; ``ogr2ogr`` into a GeoPackage is timed the same way when it is installed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data.project import Project  # noqa: E402

CATEGORIES = np.array(["确诊", "无症状", "密接", "次密接"])
TARGET_MB = 500


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """``rows`` cases around 叶县 (113.3E, 33.6N), written in blocks so the generator stays small."""
    rng = np.random.default_rng(seed)
    block = 200_000
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("编号,类别,报告时间,地址,经度,纬度\n")
        for start in range(0, rows, block):
            n = min(block, rows - start)
            numbers = np.arange(start, start + n)
            lon = np.char.mod("%.6f", 113.2 + rng.random(n) * 0.3)
            lat = np.char.mod("%.6f", 33.45 + rng.random(n) * 0.3)
            lon[numbers % 200 == 7] = "不详"
            days = np.char.mod("%02d", 1 + numbers % 28)
            lines = [f"C{i:08d},{c},2026-11-{d} 08:30,叶县昆阳街道第{i % 500}号,{x},{y}"
                     for i, c, d, x, y in zip(numbers, CATEGORIES[numbers % 4], days, lon, lat, strict=True)]
            file.write("\n".join(lines) + "\n")


def timed(argv: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, last output line) of a command run under /usr/bin/time -v."""
    run = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True, cwd=ROOT)
    peak = float(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1)) / 1024
    clock = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", run.stderr)
    seconds = int(clock.group(1) or 0) * 3600 + int(clock.group(2)) * 60 + float(clock.group(3))
    out = (run.stdout.strip().splitlines() or [""])[0] if run.returncode == 0 else run.stderr.strip().splitlines()[0]
    return seconds, peak, out


def measure(folder: Path, rows: int) -> dict:
    """Write the CSV of ``rows`` cases into ``folder``, import it into a new project and, when installed, write
    it with ``ogr2ogr`` into a GeoPackage: ``{"csv_mb", "cordon": (s, MB, output), "ogr2ogr": (s, MB) or None}``."""
    csv_path = folder / "病例.csv"
    write_csv(csv_path, rows)
    Project.create(folder / "county.gpkg", name="叶县", county_code="410422").close()
    result = {"csv_mb": csv_path.stat().st_size / 1024 ** 2, "ogr2ogr": None,
              "cordon": timed([sys.executable, "main.py", "import", str(folder / "county.gpkg"), str(csv_path),
                               "--layer", "cases", "--crs", "wgs84"])}
    if shutil.which("ogr2ogr"):
        result["ogr2ogr"] = timed(["ogr2ogr", "-f", "GPKG", str(folder / "ogr.gpkg"), str(csv_path),
                                   "-oo", "X_POSSIBLE_NAMES=经度", "-oo", "Y_POSSIBLE_NAMES=纬度"])[:2]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated files (the folder is printed)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cordon-bench-import-"))
    try:
        result = measure(folder, args.rows)
        print(f"CSV: {args.rows:,} rows, {result['csv_mb']:.0f} MB")
        seconds, peak, out = result["cordon"]
        verdict = "ok" if peak <= TARGET_MB else f"over the {TARGET_MB} MB target"
        print(f"cordon import: {seconds:.1f} s, peak {peak:.0f} MB ({verdict})\n  {out}")
        if result["ogr2ogr"]:
            print("ogr2ogr (for comparison): {:.1f} s, peak {:.0f} MB".format(*result["ogr2ogr"]))
        else:
            print("ogr2ogr not installed: no comparison")
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
