"""The ``api`` part's floor (``gunicorn bench.api_floor:app``): the least a durable workflow server
does per request. Every POST reads its JSON body, runs one ``UPDATE`` of a state row and a ``COMMIT``
on the bench database (table ``bench_floor``, made and dropped by bench/api.py), and answers a small
JSON body: HTTP, WSGI, a pooled connection and one write, nothing else."""
from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

from app import sqlite_wal
from config import database_url

sqlite_wal.install()  # the product's SQLite settings: the floor writes as the product does

STATE = bytes(range(256)) * 8  # 2 KB, about a compressed engine state
engine = create_engine(database_url(os.environ["DATABASE_URL"]),
                       connect_args={"timeout": 30} if os.environ["DATABASE_URL"].startswith("sqlite") else {})
app = Flask(__name__)
UPDATE = text("UPDATE bench_floor SET state = :s, rev = rev + 1 WHERE id = 1")


@app.get("/")
def ready():
    return "ok"


@app.post("/<path:_path>")
def step(_path: str):
    request.get_json(silent=True)
    with engine.begin() as conn:
        conn.execute(UPDATE, {"s": STATE})
    return jsonify(ok=True)
