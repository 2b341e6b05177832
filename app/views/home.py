"""Landing page: a signed-in user sees their work at a glance."""
from flask import redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_login import current_user


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        if not current_user.is_authenticated:
            return redirect(url_for("AuthDBView.login"))
        from app.engine import queries, tasks
        from app.engine.actor import Actor

        actor = Actor.from_user(current_user)
        counts = {**tasks.count_open(actor), **queries.sla_counts(actor)} if actor.is_staff else {}
        per_process = queries.open_tasks_per_process() if actor.is_supervisor else []
        return self.render_template(self.index_template, counts=counts, per_process=per_process)
