"""Printed briefing maps: single pages (PDF or 300 dpi PNG) and atlases, drawn with matplotlib.

The print dialog calls :func:`print_map` / :func:`print_atlas` to write files and :func:`render_preview`
for a live preview; :func:`load_content` reads a project once so repeated previews skip the file.
"""

from data.printing.atlas import ATLAS_KINDS, print_atlas
from data.printing.content import PRIVACY_MODES, load_content
from data.printing.layout import DEFAULT_SECRECY, PAPERS_MM
from data.printing.page import PrintOptions, print_map, render_preview

__all__ = ["ATLAS_KINDS", "DEFAULT_SECRECY", "PAPERS_MM", "PRIVACY_MODES", "PrintOptions", "load_content",
           "print_atlas", "print_map", "render_preview"]
