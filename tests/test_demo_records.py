"""The demo dataset: realistic, deterministic, created once (on its own database)."""
from __future__ import annotations

import pytest

from tests.conftest import fresh_sqlite_app

pytestmark = pytest.mark.own_sqlite  # tests/conftest.py: not repeated in CI's PostgreSQL pass


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    from app.demo.users import seed_users as seed_demo

    app = fresh_sqlite_app(tmp_path_factory.mktemp("demo"))
    with app.app_context():
        seed_demo()
    return app


def test_seed_records_once_and_deterministic(demo_app):
    from app.demo.records import customer_names, seed_records
    from app.extensions import db
    from app.models import Complaint, ComplaintRound, ContingencyPlan, Contact, Customer, ServiceRequest

    with demo_app.app_context():
        counts = seed_records(n_customers=30, n_requests=60, n_complaints=12, n_incidents=3)
        assert counts["customers"] == 30 and counts["service_requests"] == 60 and counts["complaints"] == 12
        assert seed_records(n_customers=30) == {}  # second run: nothing
        assert db.session.query(Customer).count() == 30
        assert db.session.query(ContingencyPlan).count() == 3
        assert db.session.query(Contact).filter(Contact.phone.is_(None)).count() == 0
        first = db.session.query(Customer).order_by(Customer.id).first()
        import random

        assert first.name == customer_names(random.Random(42), 1)[0][0]
        assert "有限公司" in first.name
        numbers = [n for (n,) in db.session.query(ServiceRequest.number).order_by(ServiceRequest.created_at)]
        assert numbers == sorted(numbers)  # numbers follow time
        assert db.session.query(ServiceRequest).filter(ServiceRequest.process_instance_id.isnot(None)).count() == 0
        reopened = db.session.query(Complaint).filter(Complaint.reopen_count > 0).count()
        assert reopened == db.session.query(ComplaintRound).count()
