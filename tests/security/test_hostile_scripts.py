"""Hostile script tasks, end to end through the API: escapes the validator can see
are refused at deploy (422, located on the script task); the rest deploy, and
starting them puts the instance in incident on that task — quickly, with the
server still answering and nothing leaked or written."""
import time

import pytest

from tests.api.helpers import script_diagram, unique

# Refused when the diagram is deployed: the sandbox's compile step sees them.
STATIC = {
    "import": "import os\nos.system('touch /tmp/pwned')",
    "from_import": "from subprocess import run",
    "dunder_import": "x = __import__('os')",
    "subclasses_walk": "x = ().__class__.__bases__[0].__subclasses__()",
    "function_globals": "x = now.__globals__['__builtins__']",
    "builtins_name": "x = __builtins__",
    "open_file": "x = open('/etc/passwd').read()",
    "eval": "x = eval('1+1')",
    "exec": "exec('import os')",
    "getattr_dunder": "x = getattr(1, '__class__')",
    "format_escape": "x = '{0.__class__}'.format(1)",
    "type_forge": "X = type('X', (), {})",
    "class_definition": "class A:\n    pass",
    "traceback_frame": "try:\n    1 / 0\nexcept Exception as e:\n    x = e.__traceback__.tb_frame",
}
# Deploy (nothing to see statically) but are stopped at run time: the instance gets an incident.
RUNTIME = {
    "infinite_loop": "while True:\n    pass",
    "busy_recursion": "def f(n):\n    return 1 if n == 0 else f(n - 1) + f(n - 1)\nx = f(40)",
    "deep_recursion": "def f():\n    return f()\nf()",
    "string_bomb": "x = 'a' * 10**10",
    "list_bomb": "x = [0] * 10**9",
    "power_bomb": "x = 2 ** 10**9",
    "shift_bomb": "x = 1 << 10**10",
    "doubling_loop": "s = 'a'\nfor i in range(100):\n    s = s + s",
    "percent_format_bomb": "x = '%10000000000s' % 'x'",
    "swallowed_loop": "try:\n    while True:\n        pass\nexcept Exception:\n    pass\nx = 1",
    "huge_range": "for i in range(10**10):\n    pass",
}


@pytest.mark.parametrize("name", list(STATIC))
def test_detectable_escape_is_refused_at_deploy(api, name):
    xml = script_diagram(unique("hs"), STATIC[name])
    resp = api("ProcessOwner").post("/api/v1/definitions/", data=xml, content_type="application/xml")
    assert resp.status_code == 422, (name, resp.get_json())
    assert any(p["element_id"] == "run" for p in resp.get_json()["problems"]), resp.get_json()["problems"]


@pytest.mark.parametrize("name", list(RUNTIME))
def test_runtime_bomb_becomes_an_incident(api, name):
    key = unique("hr")
    deployed = api("ProcessOwner").post("/api/v1/definitions/", data=script_diagram(key, RUNTIME[name]),
                                        content_type="application/xml")
    assert deployed.status_code == 201, deployed.get_json()
    started_at = time.monotonic()
    resp = api("CustomerService").post("/api/v1/instances/", json={"process_key": key})
    elapsed = time.monotonic() - started_at
    assert resp.status_code == 201, resp.get_json()
    inst = resp.get_json()
    assert inst["status"] == "incident" and inst["incident_element"] == "run", inst
    assert inst["open_tasks"] == [] and inst["incident_message"]
    assert elapsed < 10, f"{name}: start took {elapsed:.1f}s"
    assert api("CustomerService").get("/api/v1/tasks/?view=group").status_code == 200  # still serving


def test_nothing_was_written_by_a_script():
    import os

    assert not os.path.exists("/tmp/pwned")
