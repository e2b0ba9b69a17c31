"""Benchmark: an A3 landscape PDF of the sample county (target <= 5 s) and a 16-town atlas PDF
(target <= 30 s), both with a few zones drawn; times include reading the project and embedding fonts.

    python bench/bench_print.py
"""

import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from data.printing import print_atlas, print_map  # noqa: E402
from data.sample_project import create_sample_project  # noqa: E402
from data.zone_store import zone_record  # noqa: E402
from gis.zoning.shapes import circle_polygon, unit_outline  # noqa: E402

TARGETS = {"A3 landscape county PDF": 5.0, "16-town atlas PDF": 30.0}


def sample_with_zones(folder: Path):
    project = create_sample_project(folder / "county.gpkg", as_of=dt.date(2026, 11, 20))
    units = project.read_layer("admin_units")
    communities = units[units["parent_code"] == "419001003000"].iloc[:3]
    centre = communities.geometry.iloc[0].representative_point()
    with project.transaction() as edit:
        edit.insert("control_zones", zone_record(unit_outline(communities.geometry), tier="sealed", kind="unit",
                                                 name="裕华苑封控区"))
        edit.insert("control_zones", zone_record(circle_polygon(centre.x, centre.y, 1500), tier="controlled",
                                                 kind="circle", name="北海管控圈"))
    return project


def timed(func, *args, **kwargs) -> tuple[float, Path]:
    start = time.perf_counter()
    path = func(*args, **kwargs)
    return time.perf_counter() - start, path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        project = sample_with_zones(folder)
        runs = {
            "A3 landscape county PDF": timed(print_map, project, folder / "county.pdf", paper="A3", landscape=True),
            "16-town atlas PDF": timed(print_atlas, project, folder / "atlas.pdf", by="town", landscape=True),
        }
        for name, (seconds, path) in runs.items():
            pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
            count = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
            verdict = "ok" if seconds <= TARGETS[name] else "SLOW"
            print(f"  {name:<26} {seconds:6.2f} s  (target {TARGETS[name]:.0f} s, {count} pages, "
                  f"{path.stat().st_size / 1e6:.1f} MB)  {verdict}")


if __name__ == "__main__":
    main()
