"""The page: paper size and orientation, where the map, the side panel and the margins' text go, and
the text around the map (title, subtitle, secrecy marking, data time, issuing unit, sample-data mark).

Everything outside the map is drawn on a "paper" axes whose units are millimetres from the page's
bottom-left corner. Lengths and type sizes are set for A4 and scaled with the paper (A3 = A4 x sqrt 2), so
an A3 print is an enlarged A4 print.

>>> page = Page("A3", landscape=True)
>>> page.size_mm
(420.0, 297.0)
>>> default_title("济源市（示例数据）")
'济源市疫情防控管控区域图'
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextToPath

from data.printing.content import place_name
from data.printing.fonts import cjk_font
from gis.errors import UserError

PAPERS_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
PRINT_DPI = 300
DEFAULT_SECRECY = "内部资料 注意保密"
TITLE_SUFFIX = "疫情防控管控区域图"
INK = "#1a1a1a"
MUTED = "#555555"
SAMPLE_RED = "#c1121f"

_MARGIN, _HEADER, _FOOTER, _GAP = 10.0, 18.0, 9.0, 3.0  # mm on A4
_PANEL_LANDSCAPE, _PANEL_PORTRAIT = 70.0, 74.0
_CORNER_W = 38.0  # width kept free for the header's corner marks, mm on A4  # side panel width (landscape) / height (portrait), mm on A4
_MEASURE = TextToPath()


@dataclass(frozen=True)
class Box:
    """A rectangle on the page in millimetres: left, bottom, width, height."""

    x: float
    y: float
    w: float
    h: float

    @property
    def top(self) -> float:
        return self.y + self.h

    @property
    def right(self) -> float:
        return self.x + self.w

    def shrink(self, d: float) -> Box:
        """This box with ``d`` mm taken off every side."""
        return Box(self.x + d, self.y + d, self.w - 2 * d, self.h - 2 * d)


@dataclass(frozen=True)
class Page:
    """Paper (``"A4"`` or ``"A3"``) and orientation."""

    paper: str = "A4"
    landscape: bool = False
    zoom: float = 1.0  # extra factor on lengths and type (below 1 to fit a crowded panel)

    def __post_init__(self):
        if self.paper not in PAPERS_MM:
            raise UserError(f"纸张须为 A4 或 A3，不能是“{self.paper}”。", f"Paper must be A4 or A3, not '{self.paper}'.")

    @property
    def size_mm(self) -> tuple[float, float]:
        short, long = PAPERS_MM[self.paper]
        return (long, short) if self.landscape else (short, long)

    @property
    def scale(self) -> float:
        """How much larger than on A4 every length and type size is (sqrt 2 for A3, times ``zoom``)."""
        short, long = PAPERS_MM[self.paper]
        return math.sqrt(short / PAPERS_MM["A4"][0] * long / PAPERS_MM["A4"][1]) * self.zoom

    def mm(self, a4_mm: float) -> float:
        """A length given for A4, on this paper."""
        return a4_mm * self.scale

    def pt(self, a4_pt: float) -> float:
        """A type size given for A4, on this paper."""
        return a4_pt * self.scale

    def figure_inches(self) -> tuple[float, float]:
        """The figure size: the paper rounded to whole pixels at 300 dpi (A4 landscape: 3508 x 2480)."""
        return tuple(round(side / 25.4 * PRINT_DPI) / PRINT_DPI for side in self.size_mm)

    def fraction(self, box: Box) -> list[float]:
        """``box`` as figure fractions [left, bottom, width, height] (for ``Figure.add_axes``)."""
        w, h = self.size_mm
        return [box.x / w, box.y / h, box.w / w, box.h / h]


@dataclass(frozen=True)
class Regions:
    """Where things go on the page."""

    header: Box
    map: Box
    panel: Box
    footer: Box


def page_regions(page: Page) -> Regions:
    """Header on top, footer at the bottom, map with the side panel right of it (landscape) or below it
    (portrait)."""
    w, h = page.size_mm
    margin, header, footer, gap = (page.mm(v) for v in (_MARGIN, _HEADER, _FOOTER, _GAP))
    body = Box(margin, margin + footer, w - 2 * margin, h - 2 * margin - header - footer)
    if page.landscape:
        panel_w = page.mm(_PANEL_LANDSCAPE)
        map_box = Box(body.x, body.y, body.w - panel_w - gap, body.h)
        panel = Box(map_box.right + gap, body.y, panel_w, body.h)
    else:
        panel_h = page.mm(_PANEL_PORTRAIT)
        panel = Box(body.x, body.y, body.w, panel_h)
        map_box = Box(body.x, panel.top + gap, body.w, body.h - panel_h - gap)
    return Regions(Box(margin, body.top, body.w, header), map_box, panel, Box(margin, margin, body.w, footer))


@dataclass(frozen=True)
class Marginalia:
    """The text around the map. Empty strings are left out (``secrecy=""`` removes the marking)."""

    title: str
    subtitle: str = ""
    data_time: dt.datetime | None = None
    issuer: str = ""
    secrecy: str = DEFAULT_SECRECY
    sample_note: str = ""
    attribution: str = ""
    page_label: str = ""
    printed_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))


def default_title(project_name: str, place: str | None = None) -> str:
    """The default title, e.g. "济源市疫情防控管控区域图" ("（示例数据）" is marked in a corner instead)."""
    return f"{place or place_name(project_name)}{TITLE_SUFFIX}"


def new_figure(page: Page) -> tuple[Figure, Axes]:
    """A blank page and its paper axes (millimetres, drawn above the map axes)."""
    fig = Figure(figsize=page.figure_inches(), dpi=PRINT_DPI)
    fig.patch.set_facecolor("white")
    paper = fig.add_axes((0, 0, 1, 1), zorder=10)
    w, h = page.size_mm
    paper.set_xlim(0, w)
    paper.set_ylim(0, h)
    paper.set_axis_off()
    paper.patch.set_visible(False)
    return fig, paper


def text_width_mm(text: str, size_pt: float, bold: bool = False) -> float:
    """Printed width of ``text`` at ``size_pt`` in the print font."""
    prop = FontProperties(family=cjk_font().family, size=size_pt, weight="bold" if bold else "normal")
    width_pt = _MEASURE.get_text_width_height_descent(text, prop, ismath=False)[0]
    return width_pt * 25.4 / 72


def draw_marginalia(paper: Axes, page: Page, regions: Regions, text: Marginalia) -> None:
    """Title, subtitle, secrecy marking, sample-data mark and the footer lines."""
    head, foot = regions.header, regions.footer
    room = head.w - 2 * page.mm(_CORNER_W)  # the corners hold the secrecy marking and the sample mark
    title_pt = min(page.pt(19), page.pt(19) * room / max(text_width_mm(text.title, page.pt(19), bold=True), 1))
    paper.text(head.x + head.w / 2, head.top - page.mm(4.5), text.title, ha="center", va="top",
               fontsize=title_pt, weight="bold", color=INK)
    if text.subtitle:
        paper.text(head.x + head.w / 2, head.y + page.mm(2.2), text.subtitle, ha="center", va="bottom",
                   fontsize=page.pt(10), color=MUTED)
    if text.secrecy:
        paper.text(head.x, head.top - page.mm(1), text.secrecy, ha="left", va="top", fontsize=page.pt(10.5),
                   weight="bold", color=INK)
    if text.sample_note:
        paper.text(head.right, head.top - page.mm(1), text.sample_note, ha="right", va="top",
                   fontsize=page.pt(9), weight="bold", color=SAMPLE_RED,
                   bbox={"boxstyle": "square,pad=0.35", "facecolor": "white", "edgecolor": SAMPLE_RED,
                         "linewidth": page.pt(0.8)})
    small, line_y = page.pt(7.5), foot.top - page.mm(2.2)
    times = [f"数据截至：{text.data_time:%Y年%m月%d日 %H:%M}" if text.data_time else "",
             f"制图时间：{text.printed_at:%Y年%m月%d日 %H:%M}"]
    paper.text(foot.x, line_y, "　　".join(t for t in times if t), ha="left", va="top", fontsize=small, color=INK)
    if text.issuer:
        paper.text(foot.right, line_y, f"制图单位：{text.issuer}", ha="right", va="top", fontsize=small, color=INK)
    if text.page_label:
        paper.text(foot.x + foot.w / 2, line_y, text.page_label, ha="center", va="top", fontsize=small, color=INK)
    if text.attribution:
        paper.text(foot.x, foot.y + page.mm(0.5), text.attribution, ha="left", va="bottom",
                   fontsize=page.pt(5.5), color=MUTED)


def draw_neatline(paper: Axes, page: Page, box: Box) -> None:
    """The map's double frame: a thin inner line on the map edge and a heavier outer line."""
    paper.add_patch(Rectangle((box.x, box.y), box.w, box.h, fill=False, linewidth=page.pt(0.5), edgecolor=INK))
    outer = box.shrink(-page.mm(1.0))
    paper.add_patch(Rectangle((outer.x, outer.y), outer.w, outer.h, fill=False, linewidth=page.pt(1.4),
                              edgecolor=INK))
