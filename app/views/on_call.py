"""Work → On-call rota: who of each department takes emergencies when (24-hour hotline).
Supervisors keep it; every member of staff can read it. The rule is the engine's (``rota.check_shift``)."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _

from app.engine import rota
from app.models import OnCallShift
from app.records.screens import RecordView
from app.views.admin import READ_WRITE

# The engine's messages (rota.check_shift), so that the catalogue has them: gettext translates them.
MESSAGES = (_("The shift must end after it starts."), _("A shift lasts at most 7 days."),
            _("%(user)s cannot take emergencies (inactive, or no working role)."),
            _("%(user)s is not a member of this department."))


class OnCallShiftView(RecordView):
    datamodel = SQLAInterface(OnCallShift)
    class_permission_name = "OnCallRota"
    method_permission_name = {**READ_WRITE, "export": "read"}
    export_name = "on_call_rota"
    list_title = show_title = _("On-call rota")
    add_title = _("Add on-call shift")
    edit_title = _("Edit on-call shift")
    base_order = ("starts_at", "desc")
    list_columns = ["department", "user", "starts_at", "ends_at", "note"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["department", "user", "starts_at", "ends_at"]
    label_columns = {"department": _("Department"), "user": _("On call"), "starts_at": _("From"),
                     "ends_at": _("Until"), "note": _("Note")}

    def _check(self, item) -> None:
        problems = rota.check_shift(item.department.id if item.department else None, item.user,
                                    item.starts_at, item.ends_at)
        if problems:
            raise ValueError("; ".join(f"{self.label_columns.get(field, field)}: {gettext(msg, **values)}"
                                       for field, (msg, values) in problems.items()))

    def pre_add(self, item) -> None:
        self._check(item)

    def pre_update(self, item) -> None:
        self._check(item)
