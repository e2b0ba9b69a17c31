"""The zone panel (管控区域), a file per job: the dock and its wiring (:mod:`.panel`), the zone list model
(:mod:`.table_model`), the small dialogs (:mod:`.dialogs`), the scheme editor (:mod:`.scheme_dialog`), the
changes dialog (:mod:`.changes_dialog`), the proposal review (:mod:`.proposal_review`) and the remembered
circle radii (:mod:`.radii`). Its writes are :mod:`data.zone_store` actions on the undo stack as
:class:`desktop.store_command.StoreCommand`; the rules it follows live in :mod:`gis.zoning`.
"""

from desktop.zone_panel.dialogs import CircleDialog, ProposalDialog, SnapDialog, TestRoundDialog, ZoneReportDialog
from desktop.zone_panel.panel import ZonePanel
from desktop.zone_panel.radii import LARGE_RADIUS_KEY, SMALL_RADIUS_KEY, circle_radii, remember_circle_radii
from desktop.zone_panel.scheme_dialog import SchemeDialog
from desktop.zone_panel.table_model import READY_COLOUR

__all__ = ["LARGE_RADIUS_KEY", "READY_COLOUR", "SMALL_RADIUS_KEY", "CircleDialog", "ProposalDialog", "SchemeDialog",
           "SnapDialog", "TestRoundDialog", "ZonePanel", "ZoneReportDialog", "circle_radii", "remember_circle_radii"]
