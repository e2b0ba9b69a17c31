"""``stats PATH.gpkg --by grid|village|town [--from D --to D] [--json | --xlsx OUT]``: cases per unit and category,
with infections (confirmed + asymptomatic) and contacts (close + secondary) counted apart in every output."""

from __future__ import annotations

import datetime as dt

from gis.errors import UserError, ui_language
from gis.glossary import CaseGroup, totals_sentence

LEVEL_LABELS = {"grid": ("网格", "grid"), "village": ("村（社区）", "village/community"), "town": ("乡镇（街道）", "town")}


def register(subparsers) -> None:
    zh = ui_language() == "zh"
    parser = subparsers.add_parser("stats", help="按网格/村社区/乡镇统计感染者与密接" if zh else
                                   "infections and contacts per grid, village or town")
    parser.add_argument("path", help="项目文件（.gpkg）" if zh else "project file (.gpkg)")
    parser.add_argument("--by", required=True, choices=list(LEVEL_LABELS))
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="起始日期（含）" if zh else "first day")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="截止日期（含）" if zh else "last day")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="输出 JSON" if zh else "print JSON")
    output.add_argument("--xlsx", metavar="OUT.xlsx", help="写入 Excel 文件" if zh else "write an Excel file")
    parser.set_defaults(func=run)


def run(args) -> int:
    from data import strict_json
    from data.project import Project
    from data.stats_store import case_counts, json_records, text_table, with_headers, write_xlsx

    start, end = parse_date(args.start, "--from"), parse_date(args.end, "--to")
    if start and end and start > end:
        raise UserError("--from 日期晚于 --to 日期。", "--from is after --to.")
    project = Project.open(args.path)
    counts = case_counts(project, by=args.by, start=start, end=end)
    if args.json:
        print(strict_json.dumps(json_records(counts), indent=2))
        return 0
    lang = ui_language()
    zh = lang == "zh"
    level = LEVEL_LABELS[args.by][0 if zh else 1]
    if args.xlsx:
        path = write_xlsx(args.xlsx, {f"按{LEVEL_LABELS[args.by][0]}统计": with_headers(counts, lang)})
        print(("已写入：" if zh else "Written: ") + str(path))
        return 0
    window = f"{start or '…'} ~ {end or '…'}" if start or end else ("全部日期" if zh else "all dates")
    what = ("、" if zh else ", ").join(group.label(lang) for group in (
        CaseGroup.INFECTIONS, CaseGroup.CLOSE_CONTACTS, CaseGroup.SECONDARY_CONTACTS))
    print(f"{project.metadata.get('name')}  {'按' + level + '统计' + what if zh else what + ' by ' + level}  ({window})")
    print(totals_sentence(counts.sum(numeric_only=True), lang))
    shown = counts[counts["total"] > 0]
    print(text_table(with_headers(shown, lang)))
    empty = len(counts) - len(shown)
    print(f"其余 {empty} 个{level}无记录。" if zh else f"{empty} other units have no cases.")
    if counts.attrs.get("unlocated"):
        n = counts.attrs["unlocated"]
        print(f"另有 {n} 条记录不在任何{level}内。" if zh else f"{n} cases lie in no {level}.")
    return 0


def parse_date(text: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option value as a date (None if not given)."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} 的日期“{text}”无法识别，请写成 2026-11-01 的格式。",
                        f"Cannot read the date '{text}' for {option}; write it like 2026-11-01.") from None
