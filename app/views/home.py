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
        counts = {"mine": queries.count_mine(actor), "group": tasks.count_claimable(actor),
                  **queries.sla_counts(actor)} if actor.is_staff else {}
        per_process = queries.open_tasks_per_process() if actor.is_supervisor else []
        if per_process:  # process names in the reader's language
            from app.engine import content
            from app.views.presentation import reader_lang

            per_process = [(key, content.process_name(key, reader_lang(), name), *rest)
                           for key, name, *rest in per_process]
        return self.render_template(self.index_template, counts=counts, per_process=per_process,
                                    reports=self._entries("Reports"),
                                    records=[] if counts else self._entries("Service"))

    def _entries(self, category: str) -> list[dict]:
        """The entries of a menu this user may open (the menu's own permission check): a reader
        without an inbox finds the reports and records open to them here."""
        for item in self.appbuilder.menu.get_data():
            if isinstance(item, dict) and item.get("name") == category:
                return [c for c in item.get("childs", []) if isinstance(c, dict) and c.get("url")]
        return []
