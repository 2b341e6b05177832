"""Hostile diagrams against the deploy and validate endpoints: every one is a clean
4xx (JSON, located problem where there is one) within a couple of seconds, and
nothing from the server's files ever comes back."""
import time

import pytest

from tests.api.helpers import HEAD, diagram, flow, unique

ENDPOINTS = ["/api/v1/definitions/", "/api/v1/definitions/validate"]
OK_BODY = '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>' + flow("s", "e")


def doctype(decl: str, use: str) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE bpmn:definitions [{decl}]>\n' + HEAD.split("\n", 1)[1]
            + f'<bpmn:process id="{unique("x")}" name="{use}" isExecutable="true">{OK_BODY}</bpmn:process>'
            + "</bpmn:definitions>").encode()


BOMB = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10))
HOSTILE = {
    "xxe_file": doctype('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;"),
    "xxe_http": doctype('<!ENTITY xxe SYSTEM "http://127.0.0.1:9/steal">', "&xxe;"),
    "xxe_parameter_entity": doctype('<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;', "x"),
    "external_dtd": (b'<?xml version="1.0"?>\n<!DOCTYPE bpmn:definitions SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
                     + diagram(unique("x"), OK_BODY).split(b"\n", 1)[1]),
    "billion_laughs": doctype(BOMB, "&a9;"),
    "quadratic_blowup": doctype(f'<!ENTITY big "{"A" * 50_000}">', "&big;" * 2000),
    "xxe_utf16": doctype('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;").decode()
    .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16"),
    "ten_thousand_elements": diagram(unique("x"), OK_BODY + "".join(
        f'<bpmn:task id="t{i}"/>' for i in range(10_000))),
    "deep_nesting": diagram(unique("x"), OK_BODY + "<bpmn:extensionElements>" + "<a>" * 5000 + "</a>" * 5000
                            + "</bpmn:extensionElements>"),
    "over_5_mb": diagram(unique("x"), OK_BODY + "<!--" + "x" * (5 * 1024 * 1024) + "-->"),
    "not_xml": b"\x89PNG\r\n\x1a\n" + b"\x00" * 1000,
    "empty": b"",
}


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_diagram_is_a_clean_4xx(api, name, url):
    started = time.monotonic()
    resp = api("ProcessOwner").post(url, data=HOSTILE[name], content_type="application/xml")
    elapsed = time.monotonic() - started
    assert resp.status_code in (413, 422), (name, resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.mimetype == "application/json" and resp.get_json()["code"] in ("invalid", "too_large")
    assert elapsed < 3, f"{name} took {elapsed:.1f}s"
    text = resp.get_data(as_text=True)
    assert "root:" not in text and "lollollol" not in text and "AAAAAAAAAA" not in text


@pytest.mark.parametrize("url", ENDPOINTS)
def test_hundred_megabyte_upload_is_refused_before_reading(api, url):
    big = b"<" + b"x" * (100 * 1024 * 1024)
    for kwargs in ({"data": big, "content_type": "application/xml"},
                   {"data": {"file": (__import__("io").BytesIO(big), "big.bpmn")}, "content_type": "multipart/form-data"}):
        started = time.monotonic()
        resp = api("ProcessOwner").post(url, **kwargs)
        assert resp.status_code == 413 and resp.get_json()["code"] == "too_large"
        assert time.monotonic() - started < 5


def test_problems_are_located(api):
    body = HOSTILE["ten_thousand_elements"]
    en = {"Accept-Language": "en"}  # without it: the site's language, zh
    problems = api("ProcessOwner").post(ENDPOINTS[1], data=body, content_type="application/xml",
                                        headers=en).get_json()["problems"]
    assert "5000 XML elements" in problems[0]["message"] and problems[0]["hint"]
    xxe = api("ProcessOwner").post(ENDPOINTS[1], data=HOSTILE["xxe_file"], content_type="application/xml",
                                   headers=en).get_json()
    assert "entities" in xxe["problems"][0]["message"]


def test_nothing_hostile_was_deployed(api):
    keys = [d["key"] for d in api("Admin").get("/api/v1/definitions/?page_size=100").get_json()["items"]]
    assert not [k for k in keys if k.startswith("x_")]
