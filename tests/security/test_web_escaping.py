"""HTML/JS submitted through the API is shown escaped in the web UI: a real
browser (Playwright + Chromium) opens the task and instance pages; no script
runs, no element is injected, and the text appears literally.

The CSP would block inline scripts even if escaping failed, so the literal
text and the absence of injected elements are the real proof."""
import json
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.helpers import PASSWORD, unique

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAYLOADS = {
    "business_key": '<img src=x class="xss-bk" onerror="window.__xss=1">',
    "customer": '<script>window.__xss=2</script><b class="xss-cust">bold</b>',
    "matter": '"><svg class="xss-matter" onload="window.__xss=3"></svg><script>window.__xss=4</script>',
    "note": "</pre><script>window.__xss=5</script><i class=\"xss-note\">x</i>",
}

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs /usr/bin/chromium")


@pytest.fixture(scope="module")
def submitted(api, engine, complaint):
    inst = api("CustomerService").post("/api/v1/instances/", json={
        "process_key": complaint, "business_key": PAYLOADS["business_key"], "customer": PAYLOADS["customer"],
        "variables": {"note": PAYLOADS["note"], "ref": unique("WEB")}}).get_json()
    task = inst["open_tasks"][0]["id"]
    done = api("CustomerService").post(f"/api/v1/tasks/{task}/complete", json={"data": {"matter": PAYLOADS["matter"]}})
    assert done.status_code == 200, done.get_json()
    return {"instance": inst["id"], "task": task}


def look_at(live_url: str, paths: list[str]) -> dict[str, dict]:
    """Log in as the supervisor and read each page: did a script run, was markup injected, what text shows.
    Runs in its own thread: Playwright's sync API refuses a thread with an asyncio loop (the browser
    tests keep a session-wide Playwright open in the main thread)."""
    from playwright.sync_api import sync_playwright

    seen = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(f"{live_url}/login/")
        page.fill("input[name=username]", "supervisor")
        page.fill("input[name=password]", PASSWORD)
        page.click("[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, "login failed"
        for path in paths:
            page.goto(live_url + path)
            page.wait_for_load_state("networkidle")
            seen[path] = {
                "flag": page.evaluate("window.__xss"),
                "injected": page.locator(".xss-bk, .xss-cust, .xss-matter, .xss-note, img[src=x]").count(),
                "text": page.inner_text("body") + page.evaluate(
                    "Array.from(document.querySelectorAll('input,textarea')).map(e => e.value).join('\\n')"),
                "html": page.content(),
            }
        browser.close()
    return seen


@pytest.fixture(scope="module")
def pages(live_url, submitted):
    paths = [f"/task/{submitted['task']}/", f"/instances/{submitted['instance']}/"]
    with ThreadPoolExecutor(1) as pool:
        return dict(zip(("task", "instance"), pool.submit(look_at, live_url, paths).result(timeout=120).values()))


@pytest.mark.parametrize("where,shows", [
    ("task", ["business_key", "customer", "matter"]),
    ("instance", ["business_key", "customer", "note"]),
])
def test_submitted_html_is_shown_escaped(pages, where, shows):
    seen = pages[where]
    assert seen["flag"] is None, "a submitted script ran"
    assert seen["injected"] == 0, "markup was injected"
    for name in shows:
        literal = PAYLOADS[name]
        assert literal in seen["text"] or json.dumps(literal)[1:-1] in seen["text"], name  # variables: JSON text
        assert literal not in seen["html"] and "<script>window.__xss" not in seen["html"]  # escaped in markup
