"""The customer portal's pages (/portal/...) and the public feedback form (/feedback): thin
callers of ``app.portal.signin``, ``app.portal.service`` and ``app.records.feedback.service``.

Pages render in the customer's choice of language (``?lang=``, kept in a cookie), with their own
base template: no staff menus. Another company's case, file or survey is a 404, like a missing one."""
from __future__ import annotations

import io
from functools import wraps

from flask import (Blueprint, Flask, abort, current_app, g, make_response, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import force_locale, gettext, lazy_gettext as _l

from app.engine.errors import Invalid
from app.extensions import db, limiter
from app.models.choices import COMPLAINT_STATUSES, LANGUAGES, REQUEST_STATUSES, REQUEST_TYPES, SLA_STATES
from app.portal import forms, service, signin
from app.records import signed_links, surveys
from app.records.conversation.service import Upload
from app.records.feedback import service as feedback
from app.records.service import confirmation

bp = Blueprint("portal", __name__)
# app.portal.service's messages, for the catalogue (``_errors`` translates them with gettext)
SERVICE_MESSAGES = (_l("Choose the kind of problem."), _l("Choose one of your company's machines."),
                    _l("Choose what the complaint is about."), _l("Only a closed case can be rated."),
                    _l("This case has already been rated."), _l("Choose a score from 1 to 5."),
                    _l("Please fill in this field."), _l("Please write your feedback."))
LANG_COOKIE = "portal_lang"


def _limit(key: str, default: str):
    return lambda: current_app.config.get(key) or default


def _address_key() -> str:
    return "portal-address:" + signin.normal_address(request.form.get("email"))


def _lang() -> str:
    lang = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    return lang if lang in LANGUAGES else (current_app.config.get("BABEL_DEFAULT_LOCALE") or "zh")


def localized(view):
    """Run the view in the page's language; remember an explicit ``?lang=``."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.portal_lang = _lang()
        with force_locale(g.portal_lang):
            resp = make_response(view(*args, **kwargs))
        resp.headers["Cache-Control"] = "no-store"
        if request.args.get("lang") in LANGUAGES:
            resp.set_cookie(LANG_COOKIE, g.portal_lang, max_age=365 * 86400, samesite="Lax", httponly=True,
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
        return resp
    return wrapper


def signed_in(view):
    """The portal session's contact in ``g.portal_contact``; no session: the sign-in page."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        link = signin.session_link(request.cookies.get(signin.PORTAL_COOKIE))
        if link is None:
            return redirect(url_for("portal.sign_in"))
        g.portal_link, g.portal_contact = link, link.contact
        try:
            return view(*args, **kwargs)
        except service.NotFound:
            db.session.rollback()
            abort(404)
    return wrapper


def _page(template: str, status: int = 200, **context):
    return render_template(f"portal/{template}", lang=g.portal_lang, languages=LANGUAGES,
                           contact=g.get("portal_contact"), **context), status


def _message(reason: str, status: int):
    return _page("message.html", status, reason=reason)


def _uploads() -> list[Upload]:
    return [Upload(f.filename or "file", f.read()) for f in request.files.getlist("attachments") if f and f.filename]


def _errors(form, err: Invalid) -> None:
    """Put the service's located error on its field (or on the form)."""
    db.session.rollback()
    for name, text in ((err.details or {}).get("fields") or {"_": err.message}).items():
        field = getattr(form, name, None)
        (field.errors if field is not None and isinstance(field.errors, list) else form.form_errors).append(
            gettext(text))


# --------------------------------------------------------------------------- sign-in

@bp.route("/portal/sign-in", methods=["GET", "POST"])
@limiter.limit(_limit("PORTAL_RATE_LIMIT_IP", "20 per hour"), methods=["POST"])
@limiter.limit(_limit("PORTAL_RATE_LIMIT_ADDRESS", "3 per 15 minutes"), key_func=_address_key, methods=["POST"])
@localized
def sign_in():
    form = forms.SignInForm()
    if form.validate_on_submit():
        signin.request_link(form.email.data, g.portal_lang)
        return _message("sent", 200)  # the same answer for a known and an unknown address
    return _page("sign_in.html", 400 if request.method == "POST" else 200, form=form)


@bp.route("/portal/link/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("PORTAL_RATE_LIMIT_LINK", "30 per minute"))
@localized
def open_link(token: str):
    """GET shows a button (mail scanners that fetch links do not use them up); POST signs in."""
    try:
        if request.method == "GET":
            signin.load_link(token)
            return _page("open_link.html", form=forms.MessageForm(), token=token)
        cookie = signin.sign_in(token)
    except signed_links.LinkError as exc:
        return _message(f"link_{exc.reason}", exc.status)
    resp = make_response(redirect(url_for("portal.cases")))
    resp.set_cookie(signin.PORTAL_COOKIE, cookie, max_age=int(signin.session_hours() * 3600), path="/portal/",
                    httponly=True, samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return resp


@bp.route("/portal/sign-out", methods=["POST"])
@localized
@signed_in
def sign_out():
    signin.sign_out(g.portal_link)
    resp = make_response(redirect(url_for("portal.sign_in")))
    resp.delete_cookie(signin.PORTAL_COOKIE, path="/portal/")
    return resp


# --------------------------------------------------------------------------- cases

@bp.route("/portal/")
@localized
@signed_in
def cases():
    return _page("cases.html", rows=service.cases(g.portal_contact), statuses=_statuses(), sla_states=SLA_STATES)


def _statuses() -> dict:
    return {"request": REQUEST_STATUSES, "complaint": COMPLAINT_STATUSES}


@bp.route("/portal/cases/<kind>/<int:record_id>", methods=["GET", "POST"])
@limiter.limit(_limit("PORTAL_RATE_LIMIT_POST", "30 per hour"), methods=["POST"])
@localized
@signed_in
def case(kind: str, record_id: int):
    record = service.case(g.portal_contact, kind, record_id)
    form = forms.MessageForm()
    if form.validate_on_submit():
        try:
            service.add_message(g.portal_contact, record, form.body.data, _uploads())
            return redirect(url_for("portal.case", kind=kind, record_id=record_id) + "#thread")
        except Invalid as err:
            _errors(form, err)
    return _case_page(kind, record, form, forms.RatingForm(prefix="rate"),
                      400 if request.method == "POST" else 200)


def _case_page(kind, record, form, rating_form, status: int):
    return _page("case.html", status, kind=kind, record=record, row=service.row(record), form=form,
                 rating_form=rating_form, messages=service.thread(record), statuses=_statuses(),
                 sla_states=SLA_STATES, types=REQUEST_TYPES, rating=service.rating(record),
                 can_rate=service.can_rate(record), open_surveys=service.open_surveys(record),
                 visits=record.field_records if kind == "request" else [])


@bp.route("/portal/cases/<kind>/<int:record_id>/rate", methods=["POST"])
@localized
@signed_in
def rate(kind: str, record_id: int):
    record = service.case(g.portal_contact, kind, record_id)
    rating_form = forms.RatingForm(prefix="rate")
    if rating_form.validate_on_submit():
        try:
            service.rate(g.portal_contact, record, rating_form.score.data, rating_form.comment.data)
            return redirect(url_for("portal.case", kind=kind, record_id=record_id))
        except Invalid as err:
            _errors(rating_form, err)
    return _case_page(kind, record, forms.MessageForm(), rating_form, 400)


@bp.route("/portal/files/<int:attachment_id>")
@signed_in
def download(attachment_id: int):
    """Always a download with the type proven by its content, never rendered in the page."""
    found = service.attachment(g.portal_contact, attachment_id)
    resp = send_file(io.BytesIO(found.data), mimetype=found.content_type, as_attachment=True,
                     download_name=found.filename, max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/portal/field-records/<int:visit_id>/confirm", methods=["POST"])
@localized
@signed_in
def confirm_visit(visit_id: int):
    """Opens the confirmation page (the same one the mailed link opens) with a fresh link."""
    visit = service.field_record(g.portal_contact, visit_id)
    try:
        url = confirmation.portal_link(visit, g.portal_lang)
    except confirmation.ConfirmationError:
        return redirect(url_for("portal.case", kind="request", record_id=visit.service_request_id))
    db.session.commit()
    return redirect(url)


@bp.route("/portal/surveys/<int:survey_id>", methods=["POST"])
@localized
@signed_in
def open_survey(survey_id: int):
    """Opens the survey page (the same one the mailed link opens) with a fresh link."""
    url = surveys.create_survey_link(service.survey_of(g.portal_contact, survey_id))
    db.session.commit()
    return redirect(url)


# --------------------------------------------------------------------------- submissions

@bp.route("/portal/requests/new", methods=["GET", "POST"])
@limiter.limit(_limit("PORTAL_RATE_LIMIT_POST", "30 per hour"), methods=["POST"])
@localized
@signed_in
def new_request():
    form = forms.RequestForm()
    form.type.choices = [(k, str(v)) for k, v in REQUEST_TYPES.items()]
    form.equipment_id.choices = [("", gettext("— not about a machine —"))] + [
        (str(e.id), str(e)) for e in service.equipment(g.portal_contact)]
    if form.validate_on_submit():
        try:
            record = service.submit_request(
                g.portal_contact, type=form.type.data, subject=form.subject.data, description=form.description.data,
                equipment_id=int(form.equipment_id.data) if (form.equipment_id.data or "").isdigit() else None,
                uploads=_uploads())
            return redirect(url_for("portal.case", kind="request", record_id=record.id))
        except Invalid as err:
            _errors(form, err)
    return _page("new_request.html", 400 if request.method == "POST" else 200, form=form)


@bp.route("/portal/complaints/new", methods=["GET", "POST"])
@limiter.limit(_limit("PORTAL_RATE_LIMIT_POST", "30 per hour"), methods=["POST"])
@localized
@signed_in
def new_complaint():
    form = forms.ComplaintForm()
    if form.validate_on_submit():
        try:
            record = service.submit_complaint(g.portal_contact, category=form.category.data,
                                              matter=form.matter.data, demand=form.customer_demand.data,
                                              uploads=_uploads())
            return redirect(url_for("portal.case", kind="complaint", record_id=record.id))
        except Invalid as err:
            _errors(form, err)
    return _page("new_complaint.html", 400 if request.method == "POST" else 200, form=form)


# --------------------------------------------------------------------------- public feedback

@bp.route("/feedback", methods=["GET", "POST"])
@limiter.limit(_limit("FEEDBACK_RATE_LIMIT", "5 per hour"), methods=["POST"])
@localized
def feedback_form():
    form = forms.FeedbackForm()
    if form.validate_on_submit():
        try:
            feedback.submit(message=form.message.data, name=form.name.data, contact=form.contact.data,
                            company=form.company.data, language=g.portal_lang, ip=request.remote_addr)
            return _message("feedback_thanks", 200)
        except Invalid as err:
            _errors(form, err)
    return _page("feedback.html", 400 if request.method == "POST" else 200, form=form)


# --------------------------------------------------------------------------- error pages

@bp.errorhandler(404)
def _not_found(_err):
    g.portal_lang = g.get("portal_lang") or _lang()
    with force_locale(g.portal_lang):
        return _message("not_found", 404)


@bp.errorhandler(429)
def _too_many(_err):
    g.portal_lang = g.get("portal_lang") or _lang()
    with force_locale(g.portal_lang):
        return _message("rate", 429)


def register_portal(app: Flask) -> None:
    app.register_blueprint(bp)
