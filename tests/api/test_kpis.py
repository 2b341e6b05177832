"""GET /api/v1/kpis: the KPIs of a period as JSON; a bad period is a 422 naming the field."""
import pytest


def test_kpis_of_a_quiet_period(api):
    resp = api("Supervisor").get("/api/v1/kpis/?from=2001-01-01&to=2001-01-31")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["from"] == "2001-01-01" and body["to"] == "2001-01-31"
    assert body["satisfaction"] == {"num": 0, "den": 0, "value": None} and body["satisfaction_met"] is None
    assert body["satisfaction_target"] == 0.9 and body["accept_minutes"] == 30
    assert set(body) >= {"complaint_rate", "accepted_in_time", "median_accept_minutes", "on_time_repairs"}


def test_kpis_default_to_this_month(api):
    body = api("ReadOnly").get("/api/v1/kpis/").get_json()
    assert body["from"].endswith("-01") and body["from"][:7] == body["to"][:7]


@pytest.mark.parametrize("query, field", [
    ("from=2023-03-10&to=2023-03-01", "to"),
    ("from=2020-01-01&to=2023-01-01", "to"),
    ("from=0001-01-01&to=0001-01-02", "from"),
    ("from=2023-02-30", "from"),
    ("to=yesterday", "to"),
])
def test_a_bad_period_names_its_field(api, query, field):
    resp = api("Admin").get(f"/api/v1/kpis/?{query}")
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["fields"]
