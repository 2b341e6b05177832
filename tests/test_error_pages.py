"""HTTP errors are pages of the app, in the reader's language, with a way on and no stack
trace; /api/ keeps its JSON errors."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import BadRequest, Conflict, Gone, InternalServerError, RequestEntityTooLarge

from tests.conftest import csrf_token

TITLES = {
    404: ("页面不存在", "Page not found"),
    403: ("您无权打开此页面", "You may not open this page"),
    405: ("此处不支持该操作", "This action is not possible here"),
    400: ("无法处理该请求", "The request could not be understood"),
    409: ("数据已被他人修改", "The data was changed meanwhile"),
    410: ("此链接已失效", "This link is no longer valid"),
    413: ("上传内容过大", "The upload is too large"),
    500: ("系统出现错误", "Something went wrong on our side"),
}
WERKZEUG_WORDS = ("Werkzeug", "Traceback", "<title>404 Not Found", "<title>403 Forbidden",
                  "The requested URL was not found", "You don't have the permission")


def assert_app_page(html: str, code: int, lang: str) -> None:
    zh, en = TITLES[code]
    title, other = (zh, en) if lang == "zh" else (en, zh)
    assert title in html and other not in html, (code, lang)
    assert f'data-status="{code}"' in html
    assert 'class="navbar' in html and 'href="/"' in html  # the app's navigation and a way home
    for word in WERKZEUG_WORDS:
        assert word not in html, (code, word)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_routing_errors_are_app_pages(login_as, lang):
    viewer = login_as("viewer")
    viewer.get(f"/lang/{lang}")
    resp = viewer.get("/no/such/page")
    assert resp.status_code == 404
    assert_app_page(resp.get_data(as_text=True), 404, lang)
    resp = viewer.get("/inbox/mine/")  # ReadOnly has no inbox
    assert resp.status_code == 403
    assert_app_page(resp.get_data(as_text=True), 403, lang)
    resp = viewer.get("/roles/list/")  # FAB's own access check on its security screens
    assert resp.status_code == 403
    assert_app_page(resp.get_data(as_text=True), 403, lang)
    resp = viewer.get("/instances/99999999/")  # engine NotFound -> abort(404)
    assert resp.status_code == 404
    assert_app_page(resp.get_data(as_text=True), 404, lang)
    resp = login_as("supervisor").get("/instances/1/suspend")  # a POST-only action, opened by GET
    assert resp.status_code == 405
    assert_app_page(resp.get_data(as_text=True), 405, "zh")


def test_anonymous_visitor_gets_the_page_with_a_login_link(client):
    resp = client.get("/no/such/page")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404 and 'href="/login/' in html
    assert_app_page(html, 404, "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("err", [BadRequest(), Conflict(), Gone(), RequestEntityTooLarge(),
                                 InternalServerError(original_exception=RuntimeError("secret-internal-detail"))])
def test_every_listed_status_renders(app, err, lang):
    from flask_babel import force_locale

    from app.views.errors import error_page

    with app.test_request_context("/records/x"), force_locale(lang):
        app.preprocess_request()
        body, status = error_page(err)
    assert status == err.code
    assert_app_page(body, err.code, lang)
    assert "secret-internal-detail" not in body


def test_unexpected_exception_is_a_500_page_without_details(app):
    """With exceptions not propagated (production), a crash is the 500 page: logged, not shown."""
    from app.views.errors import error_page

    with app.test_request_context("/"):
        app.preprocess_request()
        body, status = error_page(InternalServerError(original_exception=ZeroDivisionError("x = 1/0")))
    assert status == 500 and "ZeroDivisionError" not in body and "1/0" not in body


def test_too_large_upload_is_the_413_page(app, login_as):
    owner = login_as("owner")
    limit = app.config["MAX_CONTENT_LENGTH"]
    resp = owner.post("/processes/upload", data={"csrf_token": csrf_token(owner, "/processes/"),
                                                 "file": (__import__("io").BytesIO(b"x" * (limit + 1)), "big.bpmn")},
                      content_type="multipart/form-data")
    assert resp.status_code == 413
    html = resp.get_data(as_text=True)
    assert_app_page(html, 413, "zh")
    assert f"{limit // (1024 * 1024)} MB" in html


def test_csrf_failure_says_what_to_do(login_as):
    agent = login_as("agent")
    resp = agent.post("/settings/", data={"csrf_token": "forged"})
    assert resp.status_code == 400
    assert "请刷新页面后重新提交" in resp.get_data(as_text=True)


def test_api_errors_stay_json(client, login_as):
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404 and resp.is_json and resp.get_json()["code"] == "not_found"
    resp = login_as("viewer").get("/api/v1/instances/99999999")
    assert resp.is_json and resp.status_code in (401, 403, 404)
