"""App-wide singletons, bound to an app by ``create_app`` (no app state here)."""
from flask import current_app
from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mail import Mail
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from werkzeug.local import LocalProxy

# FAB's SQLA bound to FAB's Model, so Alembic sees FAB's tables and ours.
db = get_sqla_class()(model_class=Model)
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
# One AppBuilder per app (tests build several apps); reach it through the app.
appbuilder = LocalProxy(lambda: current_app.appbuilder)
