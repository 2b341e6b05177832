"""schemathesis against the live OpenAPI document: a real server on 127.0.0.1
(werkzeug, in a thread, serving the session app), the admin's JWT, every check
on, at most 15 generated examples per operation (fuzzing) and 40 stateful scenarios.

Scope: the engine API (definitions, instances, tasks, messages, KPIs, forms, decisions, assessments) and
the record APIs. FAB's own endpoints are left out — see EXCLUDED. Every phase runs, the stateful one
following the documented OpenAPI links.
"""
from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.api.helpers import PASSWORD

RECORD_APIS = ("customers|contacts|opportunities|handovers|projects|orders|spot_checks|inspections|improvement_actions|"
               "training_courses|training_sessions|spare_parts|stock_levels")
INCLUDED = rf"^/api/v1/(definitions|instances|tasks|messages|kpis|assessments|forms|decisions|{RECORD_APIS})/"
# FAB's own endpoints, left out. A separate run on a throw-away database (same checks, 10 examples per
# operation, 45 operations) found 99 failures, all in FAB 5.3 itself:
EXCLUDED = {
    # - 13 server errors: POST users/, groups/, resources/, permissions-resources/, api_keys/ and
    #   roles/{role_id}/permissions answer 500 "Fatal error" to a missing or odd body;
    # - 66 schema violations: every created_on/changed_on/last_login is a naive "2026-11-24T20:54:12" that is
    #   not an RFC 3339 date-time, _info bodies differ from their schema, 404s are undeclared;
    # - PUT on */_info answers 500 instead of 405.
    # Fuzzing them here would also create, rename and delete users, roles and permissions of the shared
    # test database (DELETE /roles/{pk} with the admin's token), breaking every later test.
    "/api/v1/security/": "FAB security CRUD: 500s on bad bodies, naive datetimes, and destructive",
    # POST /login: a non-object body answers 400 with `message` as an object where FAB declares a string;
    # and it is rate limited to 5/minute (AUTH_RATE_LIMIT), a 429 FAB does not declare.
    "/api/v1/security/login": "FAB login: 400 body off-schema, undeclared 429",
    # GET /menu/: menu separators are the string "-" where FAB's schema declares objects.
    "/api/v1/menu/": "FAB menu: separators violate its schema",
    # The OpenAPI document itself is declared as `type: object`: nothing to conform to.
    "/api/{version}/_openapi": "FAB: the OpenAPI document itself",
}
CONFIG = """
[generation]
# 15 (was 20): the exact `q` schemas made the coverage phase longer; the run stays near its former length
max-examples = 15
# NUL characters cannot be stored by PostgreSQL, so the API refuses them (422 naming the field, 404 in a
# path); tests/security/test_hostile_input.py covers that. Generating them here would only test that refusal.
allow-x00 = false

[checks.positive_data_acceptance]
# Schema-valid input can still be refused with 422 by the engine's semantic checks, which OpenAPI cannot
# express: a BPMN body that is XML but not a deployable diagram, variables whose names are not identifiers,
# form data that does not fit the task's form. Every such 422 names the field or locates the problem.
# Never 400: the record APIs' `q` is checked against the very schema the document shows (app.api.record_query).
# 414: a `q` the schema allows can still be longer than the HTTP server's request line (documented everywhere).
expected-statuses = ["2xx", "401", "403", "404", "409", "414", "422"]

[checks.negative_data_rejection]
# schemathesis's list, plus 414: an over-long invalid `q` is refused by the HTTP server before the app
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "414", "415", "422", "428", "429", "5xx"]

[phases.stateful]
# follows the documented links: a started instance to its tasks, a task list to claim and complete, a
# record list to its first record. Only those: the inferred ones (some 400) would dilute them.
enabled = true
max-steps = 8
inference.algorithms = []
generation.max-examples = 40

[[operations]]
# In multipart/form-data every field is text: the `false` that negative generation sends for the note's
# `body` (typed string) arrives as the note text "false", which the server rightly keeps. The JSON body's
# type checks are asserted in tests/api/test_task_notes_api.py instead.
include-operation-id = "addTaskNote"
checks.negative_data_rejection.enabled = false
"""


@pytest.fixture(scope="module")
def unlimited(app):
    app.config["API_EXPENSIVE_RATE_LIMIT"] = "100000 per minute"  # the limit itself: tests/api/test_definitions
    yield
    app.config.pop("API_EXPENSIVE_RATE_LIMIT", None)


@pytest.fixture(scope="module")
def admin_headers(live_url):
    resp = requests.post(f"{live_url}/api/v1/security/login", timeout=10,
                         json={"username": "admin", "password": PASSWORD, "provider": "db"})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def run_schemathesis(live_url: str, headers: dict, tmp_path) -> subprocess.CompletedProcess:
    """The schemathesis CLI (all phases, all checks) against the live document, from a subprocess:
    the server keeps running in this process's thread."""
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    exe = Path(sys.executable).with_name("schemathesis")
    cmd = [str(exe), "--config-file", str(config), "run", f"{live_url}/api/v1/_openapi", "--checks", "all",
           "--include-path-regex", INCLUDED, "--header", f"Authorization: {headers['Authorization']}",
           "--workers", "1", "--request-timeout", "30"]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)  # its cache too


@pytest.fixture(scope="module")
def shipped(engine):
    """The shipped workflows, so the documented example (`complaint_handling`) starts a real instance."""
    from app.engine import definitions

    root = Path(__file__).resolve().parents[2] / "workflows"
    engine.call(lambda: [d.definition.key for d in definitions.deploy_directory(root, actor=engine.actor("owner"))])


@pytest.fixture(scope="module")
def records(app):
    """Records of several kinds, so the record APIs answer with data and their links lead somewhere."""
    from app.extensions import db
    from app.models import Contact, Customer, Opportunity, OrderLine, SalesOrder, SparePart

    with app.app_context():
        contact = Contact(customer=Customer(name="<b>模糊测试客户</b>", industry="制造"), name="王五",
                          phone="13700001111", email="wang@example.com")
        part = SparePart(code="FUZZ-1", name="风机电容", supplier="原厂")
        order = SalesOrder(customer=contact.customer, amount=100)
        order.lines.append(OrderLine(product="风机电容", quantity=1, part=part))
        db.session.add_all([contact, part, order, Opportunity(customer=contact.customer, contact=contact,
                                                              needs="模糊测试的售前需求")])
        db.session.commit()


def test_engine_api_conforms_to_its_openapi(live_url, admin_headers, complaint, shipped, records, unlimited,
                                            tmp_path, caplog):
    result = run_schemathesis(live_url, admin_headers, tmp_path)
    Path(tmp_path / "out.txt").write_text(result.stdout)
    os.environ.get("ST_OUT") and Path(os.environ["ST_OUT"]).write_text(result.stdout)
    print(result.stdout[-6000:])
    # the live server's logged exceptions (not werkzeug's one-line 414 notices): a 500 says where it came from
    logged = "\n".join(logging.Formatter().format(r) for r in caplog.records if r.exc_info)
    server = "the server logged:\n" + logged[-8000:] + "\n\n" if logged else ""
    assert result.returncode == 0, server + result.stdout[-20000:] + result.stderr[-3000:]


def test_only_fab_endpoints_are_excluded(live_url, admin_headers):
    """Every documented path is either in scope or one of FAB's listed ones."""
    paths = requests.get(f"{live_url}/api/v1/_openapi", headers=admin_headers, timeout=10).json()["paths"]
    out_of_scope = [p for p in paths if not re.match(INCLUDED, p)]
    assert out_of_scope and all(any(p.startswith(x) for x in EXCLUDED) for p in out_of_scope), out_of_scope
