"""Application settings.

Every value has a default that runs with no set-up (SQLite under the instance
folder, a random secret generated into it on first start) and can be
overridden from the environment. Production (``APP_ENV=production``) requires
an explicit ``SECRET_KEY``.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
MIN_SECRET_BYTES = 32


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def database_url(url: str | None) -> str | None:
    """Accept plain ``postgresql://`` URLs; the driver we ship is psycopg 3."""
    if url and url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Config:
    APP_NAME = "客服运营平台 · CS Ops"
    APP_ENV = env("APP_ENV", "development")
    # Unset: generated once into SECRET_KEY_FILE (default instance/secret_key, mode 0600) and reused.
    SECRET_KEY = env("SECRET_KEY")
    SECRET_KEY_FILE = env("SECRET_KEY_FILE")

    # --- database: SQLite file in the instance folder unless DATABASE_URL is set
    SQLALCHEMY_DATABASE_URI = database_url(env("DATABASE_URL")) or (
        "sqlite:///" + str(BASE_DIR / "instance" / "app.db")
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # --- Flask-AppBuilder: schema comes from Alembic only, roles from FAB_ROLES
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False  # `flask init` writes permissions after migrations
    FAB_SECURITY_MANAGER_CLASS = "app.security.SecurityManager"
    FAB_ADD_SECURITY_API = True
    FAB_API_KEY_ENABLED = True
    FAB_API_SWAGGER_UI = True
    FAB_API_MAX_PAGE_SIZE = 100
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_BASE_TEMPLATE = "app_base.html"
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    # FAB checks the Public role on every API call: the answer is cached until a security change, which
    # every worker notices within this many seconds (the audit log is the epoch: app.security)
    SECURITY_CACHE_SECONDS = float(env("SECURITY_CACHE_SECONDS", "1"))
    AUTH_USER_REGISTRATION = False
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = env("AUTH_RATE_LIMIT", "5 per minute")
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    API_EXPENSIVE_RATE_LIMIT = env("API_EXPENSIVE_RATE_LIMIT", "30 per minute")  # deploy, validate

    # --- security baseline
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)

    # --- i18n
    BABEL_DEFAULT_LOCALE = env("BABEL_DEFAULT_LOCALE", "zh")
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "简体中文"},
        "en": {"flag": "gb", "name": "English"},
    }

    # --- mail (Flask-Mail); sent by the job executor through the outbox
    MAIL_SERVER = env("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = env_int("MAIL_PORT", 8025)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = env("MAIL_USERNAME")
    MAIL_PASSWORD = env("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "cs-ops@localhost")

    MAIL_SUPPRESS_SEND = env_bool("MAIL_SUPPRESS_SEND", False)
    MAIL_RETRIES = env_int("MAIL_RETRIES", 8)
    MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 30)
    # Recipients per message: SMTP servers cap RCPT TO per message (often 100); larger lists are split.
    MAIL_MAX_RECIPIENTS = env_int("MAIL_MAX_RECIPIENTS", 100)
    # Inbound mail (`flask mail-in`): loopback by default, behind a relay (README "Inbound mail")
    INBOUND_SMTP_HOST = env("INBOUND_SMTP_HOST", "127.0.0.1")
    INBOUND_SMTP_PORT = env_int("INBOUND_SMTP_PORT", 2525)
    INBOUND_MAX_BYTES = env_int("INBOUND_MAX_BYTES", 15 * 1024 * 1024)
    SMS_SENDER = env("SMS_SENDER", "")  # "module:function"; empty: SMS kept in the outbox (no gateway)
    SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", "")  # POST {"id","to","text"} (JSON) here; empty: SMS only recorded
    SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN", "")  # sent as "Authorization: Bearer …"
    APP_BASE_URL = env("APP_BASE_URL", "http://127.0.0.1:8080")  # links in mails (/task/<id>/)

    # --- engine
    ENGINE_TIMEZONE = env("ENGINE_TIMEZONE", "Asia/Shanghai")
    # "At risk" (app/engine/sla.py): the last SLA_AT_RISK_SHARE of the window from arrival to due time,
    # at most the last SLA_AT_RISK_HOURS; work arriving with less than those hours to go: at once.
    SLA_AT_RISK_SHARE = float(env("SLA_AT_RISK_SHARE", "0.25"))
    SLA_AT_RISK_HOURS = float(env("SLA_AT_RISK_HOURS", "4"))
    # "At once" (立即) in the SLA policy (app/engine/sla_policy.py): minutes on the rule's clock.
    SLA_AT_ONCE_MINUTES = float(env("SLA_AT_ONCE_MINUTES", "15"))
    IDEMPOTENCY_TTL_HOURS = float(env("IDEMPOTENCY_TTL_HOURS", "24"))  # how long an Idempotency-Key answers
    # done jobs and sent mails are deleted after this many days unless an admin set it (Admin -> Retention)
    JOB_MAIL_RETENTION_DAYS = int(env("JOB_MAIL_RETENTION_DAYS", "30"))
    JOB_LEASE_SECONDS = float(env("JOB_LEASE_SECONDS", "300"))
    # Staff assessment (app/records/assessment): a person's measured figures (shares 0-1) propose the grade:
    # all at least ASSESSMENT_EXCELLENT: 优秀; any below ASSESSMENT_PASS (satisfaction: below
    # ASSESSMENT_SATISFACTION_PASS, the rules' 90 %): 不合格; else 合格. A 不合格 gets
    # ASSESSMENT_PLAN_WORKING_DAYS working days to improve (the plan's default deadline).
    ASSESSMENT_EXCELLENT = float(env("ASSESSMENT_EXCELLENT", "0.95"))
    ASSESSMENT_PASS = float(env("ASSESSMENT_PASS", "0.80"))
    ASSESSMENT_SATISFACTION_PASS = float(env("ASSESSMENT_SATISFACTION_PASS", "0.90"))
    ASSESSMENT_PLAN_WORKING_DAYS = env_int("ASSESSMENT_PLAN_WORKING_DAYS", 20)
    # Timers, due dates (app/engine/timer_bounds.py): none further ahead than this, and a cycle started in
    # the past may owe at most TIMER_MAX_CATCHUP occurrences (each fires at the next run).
    TIMER_MAX_HORIZON_YEARS = env_int("TIMER_MAX_HORIZON_YEARS", 10)
    TIMER_MAX_CATCHUP = env_int("TIMER_MAX_CATCHUP", 10)
    BPMN_MAX_BYTES = env_int("BPMN_MAX_BYTES", 5 * 1024 * 1024)
    # Scripts, conditions and expressions run in runner processes (app/engine/script_runner.py):
    # CPU per evaluation, wall clock (then SIGKILL), address space of a runner, largest reply,
    # idle runners kept per process, evaluations before a runner is replaced.
    SCRIPT_CPU_SECONDS = float(env("SCRIPT_CPU_SECONDS", "1"))
    SCRIPT_TIMEOUT_SECONDS = float(env("SCRIPT_TIMEOUT_SECONDS", "2"))
    SCRIPT_MEMORY_MB = env_int("SCRIPT_MEMORY_MB", 512)
    SCRIPT_OUTPUT_BYTES = env_int("SCRIPT_OUTPUT_BYTES", 16 * 1024 * 1024)
    SCRIPT_RUNNERS = env_int("SCRIPT_RUNNERS", 2)
    SCRIPT_RUNNER_EVALUATIONS = env_int("SCRIPT_RUNNER_EVALUATIONS", 10_000)
    DEMO_PASSWORD = env("DEMO_PASSWORD", "Demo#2026Pass")
    # Public address in links sent to customers (surveys), e.g. https://cs.example.com
    PUBLIC_BASE_URL = env("PUBLIC_BASE_URL")
    # Customer portal (app/portal): sign-in links valid this long, the session they open, rate limits
    PORTAL_LINK_MINUTES = env_int("PORTAL_LINK_MINUTES", 30)
    PORTAL_SESSION_HOURS = float(env("PORTAL_SESSION_HOURS", "12"))
    PORTAL_RATE_LIMIT_ADDRESS = env("PORTAL_RATE_LIMIT_ADDRESS", "3 per 15 minutes")  # links asked per address
    PORTAL_RATE_LIMIT_IP = env("PORTAL_RATE_LIMIT_IP", "20 per hour")  # links asked per client address
    PORTAL_RATE_LIMIT_POST = env("PORTAL_RATE_LIMIT_POST", "30 per hour")  # submissions and messages
    FEEDBACK_RATE_LIMIT = env("FEEDBACK_RATE_LIMIT", "5 per hour")  # public feedback form, per client address


def check_production(config: dict) -> None:
    """Production needs an explicit secret: a generated one would differ between hosts."""
    if config.get("APP_ENV") == "production":
        secret = config.get("SECRET_KEY")
        if not secret or len(secret) < MIN_SECRET_BYTES:
            raise RuntimeError(
                "APP_ENV=production needs SECRET_KEY set to a random value of at "
                f"least {MIN_SECRET_BYTES} characters."
            )


def instance_secret(path: str | os.PathLike) -> str:
    """The secret kept in ``path``, created (random, 0600) by the first process that needs it.

    Several web workers may start at once: the file is written aside and linked into
    place, so every process reads the same complete key."""
    import secrets

    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # atomic, and fails if another process won the race
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_BYTES:
        raise RuntimeError(f"{path} holds a secret shorter than {MIN_SECRET_BYTES} characters; delete it.")
    return key
