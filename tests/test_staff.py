"""Staff profiles screen: admins place users in departments and set how they are mailed; the
Department tasks tab follows; supervisors read; a second profile for a user is refused by name."""
import uuid

import pytest

from tests.conftest import csrf_token

CREATED: list[int] = []


@pytest.fixture(scope="module", autouse=True)
def retire_new_users(app):
    """The users made here leave every group afterwards: later tests mail whole groups."""
    yield
    from app.extensions import db

    with app.app_context():
        for user_id in CREATED:
            user = app.appbuilder.sm.get_user_by_id(user_id)
            user.active, user.roles = False, []
        db.session.commit()


def _new_user(app, role="ReadOnly"):
    from app.extensions import db

    with app.app_context():
        sm = app.appbuilder.sm
        name = f"staff-{uuid.uuid4().hex[:8]}"
        user = sm.add_user(name, "新", "员工", f"{name}@example.com", sm.find_role(role), password="Pw#12345678")
        db.session.commit()
        CREATED.append(user.id)
        return user.id, name


def _dept_id(app, code):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Department

    with app.app_context():
        return db.session.scalars(select(Department.id).filter_by(code=code)).one()


def _profile(app, user_id):
    from app.extensions import db
    from app.models import UserProfile

    with app.app_context():
        row = db.session.get(UserProfile, user_id)
        return row and (row.department_id, row.notify_mode, row.phone)


def _locale(app, user_id):
    from app.extensions import db
    from app.models import UserProfile

    with app.app_context():
        return db.session.get(UserProfile, user_id).locale


def test_admin_adds_and_edits_a_profile(app, login_as):
    admin = login_as("admin")
    user_id, name = _new_user(app)
    tech, sales = _dept_id(app, "TECH"), _dept_id(app, "SALES")
    form = {"user": str(user_id), "department": str(tech), "notify_mode": "digest", "locale": "en", "phone": "021-5555",
            "csrf_token": csrf_token(admin, "/staffview/add")}
    assert admin.post("/staffview/add", data=form).status_code == 302
    assert _profile(app, user_id) == (tech, "digest", "021-5555") and _locale(app, user_id) == "en"
    listed = admin.get(f"/staffview/list/?_flt_0_user={user_id}").get_data(as_text=True)
    assert f"新 员工 ({name})" in listed and "汇总" in listed and "English" in listed

    again = admin.post("/staffview/add", data={**form, "department": str(sales)}, follow_redirects=True)
    assert f"{name} 已有员工档案" in again.get_data(as_text=True)
    assert _profile(app, user_id) == (tech, "digest", "021-5555")  # nothing lost, nothing doubled

    assert f"编辑员工档案：新 员工 ({name})" in admin.get(f"/staffview/edit/{user_id}").get_data(as_text=True)
    token = csrf_token(admin, f"/staffview/edit/{user_id}")
    edit = {"department": str(sales), "notify_mode": "instant", "locale": "", "phone": "", "csrf_token": token}
    assert admin.post(f"/staffview/edit/{user_id}", data=edit).status_code == 302
    assert _profile(app, user_id)[:2] == (sales, "instant") and _locale(app, user_id) is None

    bad = admin.post(f"/staffview/edit/{user_id}", data={**edit, "notify_mode": "sms"})
    assert bad.status_code == 200 and _profile(app, user_id)[1] == "instant"  # the form comes back, unchanged


def test_supervisors_read_staff_but_cannot_change_it(app, login_as):
    boss = login_as("supervisor")
    assert boss.get("/staffview/list/").status_code == 200
    user_id, _ = _new_user(app)
    resp = boss.post("/staffview/add", data={"user": str(user_id), "notify_mode": "instant",
                                             "csrf_token": csrf_token(boss, "/staffview/list/")})
    assert resp.status_code in (302, 403) and _profile(app, user_id) is None


def test_admin_menu_shows_supervisors_their_screens_only(login_as):
    boss = login_as("supervisor").get("/").get_data(as_text=True)
    assert all(link in boss for link in ("/departmentview/list/", "/staffview/list/", "/auditlogview/list/"))
    assert "/users/list/" not in boss
    assert "/staffview/list/" not in login_as("agent").get("/").get_data(as_text=True)


def test_staff_choose_their_own_task_mails(app, login_as):
    user_id, name = _new_user(app, role="CustomerService")
    from tests.conftest import login, new_client

    me = new_client(app)
    assert login(me, name, "Pw#12345678").status_code == 302
    page = me.get("/settings/").get_data(as_text=True)
    assert 'value="instant" checked' in page and "未设置" in page  # no profile yet: at once, no department
    token = csrf_token(me, "/settings/")
    assert '<option value="" selected>' in page and "English" in page  # mail language: the site's
    assert me.post("/settings/", data={"notify_mode": "digest", "locale": "en", "csrf_token": token}).status_code == 302
    assert _profile(app, user_id) == (None, "digest", None)
    assert '<option value="en" selected>' in me.get("/settings/").get_data(as_text=True)
    bad = me.post("/settings/", data={"notify_mode": "digest", "locale": "fr", "csrf_token": token},
                  follow_redirects=True)
    assert "请选择任务邮件的接收方式" in bad.get_data(as_text=True) and "en" == _locale(app, user_id)
    bad = me.post("/settings/", data={"notify_mode": "sms", "csrf_token": token}, follow_redirects=True)
    assert "请选择任务邮件的接收方式" in bad.get_data(as_text=True) and _profile(app, user_id)[1] == "digest"
    assert me.post("/settings/", data={"notify_mode": "instant"}).status_code in (302, 400)  # no CSRF token
    assert _profile(app, user_id)[1] == "digest"
    assert "/settings/" not in login_as("viewer").get("/").get_data(as_text=True)  # ReadOnly gets no task mails
