"""Demo customers with their contacts, equipment and contracts."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from app.demo import words as W
from app.extensions import db
from app.models import Contact, Contract, Customer, Equipment


def customer_names(rng: random.Random, n: int) -> list[tuple[str, str, str, str]]:
    """n distinct (name, industry, city, brand pinyin)."""
    seen, out = set(), []
    while len(out) < n:
        city, city_py = rng.choice(W.CITIES)
        brand, brand_py = rng.choice(W.BRANDS)
        industry, stem = rng.choice(W.INDUSTRIES)
        name = f"{city}{brand}{stem}{rng.choice(['有限公司', '股份有限公司', '有限公司'])}"
        if name not in seen:
            seen.add(name)
            out.append((name, industry, city, brand_py))
    return out


def person(rng: random.Random) -> tuple[str, str]:
    """(Chinese name, pinyin mail local part)."""
    (sur, sur_py), (given, given_py) = rng.choice(W.SURNAMES), rng.choice(W.GIVEN)
    return sur + given, f"{given_py}.{sur_py}"


def add_customers(rng: random.Random, names: list[tuple[str, str, str, str]], now: datetime) -> list[Customer]:
    customers, serial = [], 0
    for i, (name, industry, city, brand_py) in enumerate(names):
        c = Customer(name=name, industry=industry,
                     channel_preference=rng.choice(["phone", "phone", "email", "wechat", "onsite"]),
                     address=f"{city}市{rng.choice(W.DISTRICTS)}{rng.choice(W.ROADS)}{rng.randint(1, 999)}号",
                     notes=rng.choice(W.CUSTOMER_NOTES) or None, created_at=now - timedelta(days=rng.randint(200, 900)))
        for k in range(rng.randint(1, 3)):
            name_zh, local = person(rng)
            c.contacts.append(Contact(name=name_zh, position=rng.choice(W.POSITIONS), is_primary=(k == 0),
                                      phone=f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}",
                                      email=f"{local}@{brand_py}{i}.example.com"))
        for _ in range(rng.randint(1, 3)):
            model, prefix = rng.choice(W.EQUIPMENT_MODELS)
            serial += 1
            installed = (now - timedelta(days=rng.randint(30, 1500))).date()
            c.equipment.append(Equipment(model=model, serial=f"{prefix}{installed.year}{serial:05d}",
                                         installed_on=installed, warranty_end=installed + timedelta(days=365 * 3)))
        start = (now - timedelta(days=rng.randint(30, 700))).date()
        c.contracts.append(Contract(code=f"HT-{start.year}-{i + 1:04d}",
                                    name=rng.choice(["年度维保服务合同", "设备采购及安装项目", "驻场运维服务项目"]),
                                    start_date=start,
                                    end_date=date(start.year + rng.choice([1, 2, 3]), start.month, 1)))
        customers.append(c)
    db.session.add_all(customers)
    return customers
