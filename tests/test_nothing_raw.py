"""Nothing raw on screen: process data as a labelled form, element names instead of ids, roles and
permissions in words, codes as words, "—" for empty; charts from the bundle, never the internet."""
from __future__ import annotations

import re

import pytest

from tests.api.helpers import api, diagram, engine, flow, tidy, tokens, unique  # noqa: F401  (fixtures)


def raw_form_diagram(key: str) -> bytes:
    """start (form) -> user task -> unnamed exclusive gateway -> end; the gateway has no name."""
    form = ('<bpmn:extensionElements><camunda:formData>'
            '<camunda:formField id="kind" label="Request kind" type="enum">'
            '<camunda:value id="fault_routine" name="Routine fault"/><camunda:value id="consult" name="Consultation"/>'
            '</camunda:formField>'
            '<camunda:formField id="onsite" label="On-site visit needed" type="boolean"/>'
            '<camunda:formField id="remark" label="Remark" type="string"/>'
            '</camunda:formData></bpmn:extensionElements>')
    return diagram(key, f'<bpmn:startEvent id="s" name="Received">{form}</bpmn:startEvent>'
                   '<bpmn:exclusiveGateway id="merge_plan"/>'
                   '<bpmn:userTask id="handle" name="Handle it" camunda:candidateGroups="CustomerService"/>'
                   '<bpmn:endEvent id="e"/>' + flow("s", "merge_plan") + flow("merge_plan", "handle")
                   + flow("handle", "e"))


@pytest.fixture(scope="module")
def raw_instance(engine):
    key = engine.deploy(raw_form_diagram(unique("raw_ui")))
    return engine.start(key, business_key="RAW-1", variables={"kind": "fault_routine", "onsite": True, "remark": ""},
                        internal={"contact_phone": "13912345678", "script_note": None,
                                  "visit_at": "2026-12-19T17:30:00+00:00"})  # what a script could set


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_instance_page_shows_words_not_raw_data(raw_instance, login_as, lang):
    boss = login_as("supervisor")
    boss.get(f"/lang/{lang}")
    page = boss.get(f"/instances/{raw_instance}/").get_data(as_text=True)
    form = page.split('class="dl-horizontal variables variable-form"', 1)[1].split("</dl>", 1)[0]
    assert "Request kind" in form and "Routine fault" in form and "fault_routine" not in re.sub(
        r'data-variable="[^"]*"', "", form)  # enum by label
    assert "On-site visit needed" in form and ("✓ 是" if lang == "zh" else "✓ Yes") in form
    assert "True" not in form and "None" not in form and "[]" not in form and "{" not in form
    assert "—" in form  # the empty remark and the None
    assert "139****5678" in form and "13912345678" not in page  # personal data masked
    assert "2026-12-20 01:30" in form  # a time in process data, in local time
    assert '<pre class="variables">' not in page
    # element names, never ids: the unnamed gateway is called by its kind
    marks = page.split('id="diagram-marks"', 1)[1].split("</div>\n        </div>", 1)[0]
    assert ">merge_plan<" not in marks.replace(" ", "").replace("\n", "")
    assert ("分支判断" if lang == "zh" else "Decision") in marks
    history = page.split("instance-history", 1)[1]
    assert ("分支判断" if lang == "zh" else "Decision") in history


def test_role_screens_describe_permissions_in_words(app, login_as):
    from flask_babel import force_locale

    from app.security import ROLE_NAMES
    from app.security_screens import describe_role, role_label

    with app.test_request_context("/"), force_locale("zh"):
        for name in ROLE_NAMES:
            lines = describe_role(name)
            assert lines, name
            for line in lines:
                assert not re.search(r"[$|()\\]|\.\*|can_", line), (name, line)
        assert role_label("CustomerService") == "客服专员" and role_label("Sales") == "销售"
    admin = login_as("admin")
    for path in ("/roles/list/", "/roles/show/1", "/roles/show/4"):
        page = admin.get(path).get_data(as_text=True)
        assert "can_(read" not in page and "menu_access$" not in page and ")$&#39;" not in page, path
    listing = admin.get("/roles/list/").get_data(as_text=True)
    assert "客服专员" in listing and "全部操作" in listing
    users = admin.get("/users/list/").get_data(as_text=True)
    assert "客服专员" in users and "[CustomerService]" not in users


def test_confirm_box_and_empty_choice_are_translated(login_as):
    page = login_as("agent").get("/servicerequestview/add").get_data(as_text=True)
    assert ">取消</button>" in page and ">确定</a>" in page  # FAB's confirm box
    assert ">Cancel</button>" not in page
    assert "o.text = '—'" in page  # FAB's "__None" choice is relabelled before select2 draws it


def test_audit_events_and_job_kinds_are_words(app):
    from flask_babel import force_locale

    from app.views.admin import audit_event
    from app.views.ops import JOB_KINDS, MAIL_KINDS

    with app.test_request_context("/"), force_locale("zh"):
        assert audit_event("login") == "登录" and audit_event("role_change") == "变更角色"
        assert str(JOB_KINDS["sla_breach"]) == "SLA 超时" and str(MAIL_KINDS["task_created"]) == "新任务"


EXTERNAL = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(?:https?:)?//', re.I)


def test_no_page_loads_script_or_style_from_another_host(login_as):
    """Charts (FAB's user statistics, the KPI trends) and every other page use bundled assets."""
    pages = {"admin": ["/", "/userstatschartview/chart/", "/userstatschartview/chart/?group_by=1", "/kpi/",
                       "/auditlogview/list/", "/roles/list/", "/users/list/", "/jobview/list/", "/instances/",
                       "/mailoutboxview/list/", "/workcalendar/", "/processes/", "/no/such/page"],
             "viewer": ["/", "/kpi/", "/inbox/mine/"], "agent": ["/", "/inbox/mine/", "/start/"]}
    for user, paths in pages.items():
        c = login_as(user)
        for path in paths:
            html = c.get(path).get_data(as_text=True)
            assert not EXTERNAL.search(html), (user, path, EXTERNAL.search(html).group(0))
            assert "google_charts.js" not in html and "gstatic" not in html, (user, path)


def test_charts_draw_from_the_bundle(login_as):
    admin = login_as("admin")
    stats = admin.get("/userstatschartview/chart/").get_data(as_text=True)
    assert 'src="/static/dist/charts.js"' in stats and 'class="cs-chart"' in stats
    kpi = login_as("supervisor").get("/kpi/").get_data(as_text=True)
    assert 'src="/static/dist/charts.js"' in kpi and 'id="kpi-chart-shares"' in kpi
    data = re.search(r'id="kpi-chart-shares".*?<script type="application/json">(.*?)</script>', kpi, re.S).group(1)
    import json

    chart = json.loads(data)
    assert len(chart["labels"]) == 6 and len(chart["datasets"]) == 4
    assert all(len(d["data"]) == 6 for d in chart["datasets"])
