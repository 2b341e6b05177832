"""Reports → Staff assessments: each department's monthly assessment (figures, proposed and confirmed
grades, the head's overrides, the improvement plans), opened by hand or monthly; everyone sees their
own results. Thin: app/records/assessment/process.py holds the rules."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from app.engine import clock, people
from app.engine.errors import Invalid
from app.extensions import db
from app.models import AssessmentLine, Department, HumanTask, StaffAssessment
from app.records import kpi
from app.records.assessment import process
from app.records.export import csv_lines, xlsx_bytes
from app.views.errors import engine_errors
from app.views.work import WorkView

GRADE_LABELS = {"excellent": _l("Excellent (优秀)"), "pass": _l("Satisfactory (合格)"),
                "fail": _l("Unsatisfactory (不合格)")}
STATUS_LABELS = {"open": _l("Awaiting the head's confirmation"), "confirmed": _l("Confirmed"),
                 "improving": _l("Improvement plan running"), "closed": _l("Closed"), "cancelled": _l("Cancelled")}
FIGURE_LABELS = {"response": _l("Response time (replied in time)"), "resolution": _l("Resolution efficiency"),
                 "satisfaction": _l("Customer satisfaction"), "complaints": _l("Complaint handling quality"),
                 "inspection": _l("Service-standard compliance")}


# The rules' messages (app/records/assessment/process.py), in the reader's language.
MESSAGES = {
    "A grade other than the proposed one needs a reason.": _l("A grade other than the proposed one needs a reason."),
    "The grades are confirmed.": _l("The grades are confirmed."),
    "Choose a grade.": _l("Choose a grade."),
    "Only a confirmed 不合格 is interviewed.": _l("Only a confirmed 不合格 is interviewed."),
    "Some fields are not valid.": _l("Some fields are not valid."),
    "The grades are confirmed; the figures no longer change.": _l("The grades are confirmed; the figures no longer change."),
    "A month is assessed once it has begun.": _l("A month is assessed once it has begun."),
}


def ratio_text(pair) -> str:
    num, den = pair or (0, 0)
    return "—" if not den else f"{num / den * 100:.1f}% ({num}/{den})"


def department_name(dep: Department | None) -> str:
    return kpi.department_label((dep.name, dep.name_en), dep.code) if dep else "—"


class AssessmentView(WorkView):
    route_base = "/assessment"
    default_view = "index"
    class_permission_name = "StaffAssessment"
    method_permission_name = {"index": "read", "show": "read", "export": "read", "grade": "write",
                              "interview": "write", "recompute": "write", "open_month": "write"}

    def _visible(self, assessment: StaffAssessment) -> list[AssessmentLine]:
        actor = self.actor()
        if process.may_see(assessment, actor):
            return list(assessment.lines)
        return [line for line in assessment.lines if line.user_id == actor.user_id]

    @expose("/")
    @has_access
    def index(self):
        actor = self.actor()
        rows = db.session.scalars(select(StaffAssessment).order_by(StaffAssessment.month.desc(),
                                                                   StaffAssessment.department_id)).all()
        rows = [a for a in rows if self._visible(a)]
        mine = db.session.execute(select(AssessmentLine, StaffAssessment).join(StaffAssessment)
                                  .where(AssessmentLine.user_id == actor.user_id)
                                  .order_by(StaffAssessment.month.desc())).all()
        today = clock.local_today()
        return self.render("assessment/list.html", rows=rows, mine=mine, dept=department_name,
                           grades=GRADE_LABELS, statuses=STATUS_LABELS, figures=FIGURE_LABELS, ratio=ratio_text,
                           can_open=actor.is_supervisor, last_month=process.previous_month(today),
                           departments=db.session.scalars(select(Department).order_by(Department.code)).all(),
                           title=gettext("Staff assessments"))

    @expose("/<int:pk>/")
    @has_access
    def show(self, pk: int):
        assessment = db.session.get(StaffAssessment, pk) or abort(404)
        lines = self._visible(assessment)
        if not lines and not process.may_see(assessment, self.actor()):
            abort(404)
        actor = self.actor()
        names = people.display_names(line.user_id for line in assessment.lines)
        task, mine = None, {}
        if assessment.process_instance_id and process.may_see(assessment, actor):
            open_tasks = db.session.scalars(select(HumanTask).where(
                HumanTask.instance_id == assessment.process_instance_id, HumanTask.state == "open")).all()
            mine = process.person_tasks(assessment, open_tasks)  # each 不合格 person's own task, on their line
            task = next((t for t in open_tasks if t.element_id not in process.PERSON_ELEMENTS), None)
        first, last = process.month_period(assessment.month)
        return self.render("assessment/show.html", a=assessment, lines=lines, names=names,
                           dept=department_name(assessment.department), grades=GRADE_LABELS,
                           statuses=STATUS_LABELS, figures=FIGURE_LABELS, figure_keys=process.FIGURES,
                           ratio=ratio_text, may_grade=process.may_grade(assessment, actor) and assessment.status == "open",
                           may_interview=process.may_grade(assessment, actor)
                           and assessment.status in ("confirmed", "improving"),
                           limits=process.thresholds(), task=task, person_tasks=mine,
                           first=first, last=last, title=gettext("Staff assessment"))

    @expose("/<int:pk>/line/<int:line_id>/grade", methods=["POST"])
    @has_access
    @engine_errors(fallback=lambda pk, line_id: url_for("AssessmentView.show", pk=pk))
    def grade(self, pk: int, line_id: int):
        return self._on_line(pk, line_id, lambda line: process.set_grade(
            line, request.form.get("grade", ""), request.form.get("override_reason"), self.actor()),
            gettext("Grade saved."))

    @expose("/<int:pk>/line/<int:line_id>/interview", methods=["POST"])
    @has_access
    @engine_errors(fallback=lambda pk, line_id: url_for("AssessmentView.show", pk=pk))
    def interview(self, pk: int, line_id: int):
        return self._on_line(pk, line_id, lambda line: process.record_interview(
            line, self.actor(), request.form.get("interview_notes"), request.form.get("improvement_plan"),
            request.form.get("plan_deadline")), gettext("Interview and improvement plan saved."))

    @staticmethod
    def _on_line(pk: int, line_id: int, change, done: str):
        """One person's line changed by a rule of the process; a refusal is said in the reader's language,
        naming the fields to fix."""
        line = db.session.get(AssessmentLine, line_id)
        if line is None or line.assessment_id != pk:
            abort(404)
        try:
            change(line)
        except Invalid as err:
            db.session.rollback()
            fields = ", ".join(f"{k}: {v}" for k, v in (err.details.get("fields") or {}).items()
                               if err.message == "Some fields are not valid.")
            flash(f"{MESSAGES.get(err.message, err.message)} {fields}".strip(), "danger")
            return redirect(url_for("AssessmentView.show", pk=pk))
        db.session.commit()
        flash(done, "success")
        return redirect(url_for("AssessmentView.show", pk=pk))

    @expose("/<int:pk>/recompute", methods=["POST"])
    @has_access
    @engine_errors(fallback=lambda pk: url_for("AssessmentView.show", pk=pk))
    def recompute(self, pk: int):
        assessment = db.session.get(StaffAssessment, pk) or abort(404)
        if not process.may_grade(assessment, self.actor()):
            abort(403)
        try:
            process.compute(assessment)
        except Invalid as err:
            db.session.rollback()
            flash(str(MESSAGES.get(err.message, err.message)), "danger")
            return redirect(url_for("AssessmentView.show", pk=pk))
        db.session.commit()
        flash(gettext("Figures computed again."), "success")
        return redirect(url_for("AssessmentView.show", pk=pk))

    @expose("/open", methods=["POST"])
    @has_access
    @engine_errors(fallback=lambda: url_for("AssessmentView.index"))
    def open_month(self):
        if not self.actor().is_supervisor:
            abort(403)
        raw = (request.form.get("month") or "").strip()
        try:
            month = date.fromisoformat(raw[:7] + "-01")
        except ValueError:
            flash(gettext("“%(value)s” is not a month (YYYY-MM).", value=raw[:20]), "danger")
            return redirect(url_for("AssessmentView.index"))
        code = request.form.get("department") or ""
        try:
            if code:
                dep = db.session.scalars(select(Department).where(Department.code == code)).first() or abort(404)
                opened = [process.open_assessment(dep, month, self.actor())]
            else:
                opened = process.open_month(month, self.actor())
        except Invalid as err:
            db.session.rollback()
            flash(str(MESSAGES.get(err.message, err.message)), "danger")
            return redirect(url_for("AssessmentView.index"))
        if not opened:
            return redirect(url_for("AssessmentView.index"))
        flash(gettext("%(n)s assessments of %(m)s are open.", n=len(opened), m=f"{month:%Y-%m}"), "success")
        return redirect(url_for("AssessmentView.show", pk=opened[0].id) if len(opened) == 1
                        else url_for("AssessmentView.index"))

    @expose("/<int:pk>/export")
    @has_access
    def export(self, pk: int):
        """The lines the reader may see, as CSV (``format=csv``) or XLSX."""
        assessment = db.session.get(StaffAssessment, pk) or abort(404)
        lines = self._visible(assessment)
        if not lines:
            abort(404)
        names = people.display_names(line.user_id for line in lines)
        headers = [gettext("Month"), gettext("Department"), gettext("Person")] + \
            [str(FIGURE_LABELS[k]) for k in process.FIGURES] + \
            [gettext("Proposed grade"), gettext("Grade"), gettext("Reason for another grade"), gettext("Award"),
             gettext("Improvement plan"), gettext("Deadline"), gettext("Improved")]
        rows = [[f"{assessment.month:%Y-%m}", department_name(assessment.department), names.get(line.user_id, "")]
                + [ratio_text(line.figures.get(k)) for k in process.FIGURES]
                + [str(GRADE_LABELS.get(line.proposed_grade, "—")), str(GRADE_LABELS.get(line.grade, "—")),
                   line.override_reason or "", gettext("优秀服务专员") if line.award else "",
                   line.improvement_plan or "", line.plan_deadline.isoformat() if line.plan_deadline else "",
                   "" if line.improved is None else (gettext("Yes") if line.improved else gettext("No"))]
                for line in lines]
        filename = f"assessment-{assessment.number}"
        if request.args.get("format") == "xlsx":
            return Response(xlsx_bytes(headers, rows, title=assessment.number), headers={
                "Content-Disposition": f"attachment; filename={filename}.xlsx"},
                mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return Response(stream_with_context(csv_lines(headers, rows)), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={filename}.csv"})


