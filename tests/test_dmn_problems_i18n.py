"""A DMN file's problems are in the reader's language: the API answers by Accept-Language, the decision
editor by the page's language; each problem keeps its place (decision, rule row, column) both in its
fields and in the text where the text names it."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

from tests.api.helpers import api, tokens  # noqa: F401  (fixtures)
from tests.conftest import csrf_token
from tests.test_editor import Api

TABLE = (Path(__file__).resolve().parents[1] / "workflows" / "request_priority.dmn").read_text(encoding="utf-8")


def _broken(key: str) -> str:
    """Row 2's urgency cell is no FEEL; row 3 lost its output cell."""
    xml = TABLE.replace("request_priority", key)
    row2 = xml.index('<rule id="Rule_priority_high_medium">')
    cell = xml.index('<text>"high"</text>', row2)
    xml = xml[:cell] + '<text>[1..</text>' + xml[cell + len('<text>"high"</text>'):]
    row3 = xml.index('<rule id="Rule_priority_high_low">')
    out = xml.index("<outputEntry", row3)
    return xml[:out] + xml[xml.index("</outputEntry>", out) + len("</outputEntry>"):]


def _by_row(problems: list[dict]) -> dict[int, dict]:
    return {p["rule_index"]: p for p in problems}


# the table's name and the urgency column's label, as the table has them in each language
PLACE = {"zh": ("需求优先级", "紧急程度"), "en": ("Request priority", "Urgency")}
EXPECTED = {  # language -> (row 2's message, row 3's message, hint of row 2)
    "zh": ("输入条目 '[1..' 不是有效的 FEEL（第 5 个字符处）", "规则 3 有 2 个输入单元格和 0 个输出单元格；决策表有 2 个输入和 1 个输出。",
           "可以写成例如"),
    "en": ("The input entry '[1..' is not valid FEEL at position 5", "Rule 3 has 2 input and 0 output cells; the table "
           "has 2 inputs and 1 outputs.", "Write e.g."),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_bad_dmn_uploaded_gets_its_problems_in_the_readers_language(api, lang):
    key = f"i18n_upload_{lang}"
    upload = {"file": (BytesIO(_broken(key).encode()), "bad.dmn")}
    resp = api("ProcessOwner").post("/api/v1/decisions/", data=upload, content_type="multipart/form-data",
                                    headers={"Accept-Language": lang})
    assert resp.status_code == 422 and resp.headers["Content-Language"] == lang
    body = resp.get_json()
    assert body["message"] == {"zh": "2 个问题导致无法发布。", "en": "2 problem(s) prevent deployment."}[lang]
    rows = _by_row(body["problems"])
    cell, short = rows[2], rows[3]
    assert (cell["decision_id"], cell["rule_id"], cell["rule_index"], cell["column_id"]) == (
        key, "Rule_priority_high_medium", 2, "Input_urgency")
    assert (cell["element_name"], cell["column_label"]) == PLACE[lang]
    assert cell["message"].startswith(EXPECTED[lang][0]) and cell["hint"].startswith(EXPECTED[lang][2])
    assert (short["decision_id"], short["rule_id"], short["message"]) == (key, "Rule_priority_high_low",
                                                                          EXPECTED[lang][1])
    checked = api("ProcessOwner").post("/api/v1/decisions/validate", data=_broken(key).encode(),
                                       content_type="application/xml", headers={"Accept-Language": lang})
    assert checked.status_code == 422
    assert _by_row(checked.get_json()["problems"])[3]["message"] == EXPECTED[lang][1]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_decision_editor_shows_problems_in_the_pages_language(login_as, lang):
    client = login_as("owner")
    client.get(f"/lang/{lang}")
    owner = Api(client, csrf_token(client, "/decisions/"))
    key = f"i18n_editor_{lang}"
    body = owner.post("/decisions/editor/api/validate", {"xml": _broken(key)}).get_json()
    assert body["errors"] == 2
    rows = _by_row(body["problems"])
    assert rows[2]["message"].startswith(EXPECTED[lang][0]) and rows[3]["message"] == EXPECTED[lang][1]
    assert (rows[2]["element_name"], rows[2]["column_label"]) == PLACE[lang] and rows[2]["decision_id"] == key
    refused = owner.post(f"/decisions/editor/api/{key}/draft", {"xml": _broken(key).replace(key, "other_id"),
                                                                "base_rev": 0})
    assert refused.status_code == 422
    assert refused.get_json()["problems"][0]["message"] == {
        "zh": f"决策 ID 必须保持为“{key}”。", "en": f"The decision id must stay '{key}'."}[lang]
