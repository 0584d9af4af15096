#!/usr/bin/env python
"""Benchmark of the household list (/households/) on a seeded demo county.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_list.py --households 100000
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/bench_list.py --reuse

Creates the database if needed (PostgreSQL), migrates it, seeds it with ``seed_demo --reset`` (unless ``--reuse``
and households exist), runs ANALYZE, then requests the list pages through django.test.Client as the county
office and as township1, several times each, and prints per request the SQL query count and the best and median
wall time. The result is appended to bench/README.md as a dated Markdown block.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "bench" / "README.md"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertymgmt.settings")
# WhiteNoise warns that collectstatic has not run; the benchmark does not serve static files.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000, help="size of the demo county (default 100000)")
    parser.add_argument("--seed", type=int, default=2018, help="seed_demo's random seed")
    parser.add_argument("--reuse", action="store_true", help="keep the households already in the database")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per request (after one warm-up)")
    parser.add_argument("--no-readme", action="store_true", help="print only; do not append to bench/README.md")
    return parser.parse_args()


def create_postgres_database(db: dict) -> None:
    """CREATE DATABASE when it does not exist (Django cannot migrate a database that is not there)."""
    import psycopg2

    params = {k: v for k, v in {"host": db["HOST"], "port": db["PORT"], "user": db["USER"]}.items() if v}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    conn = psycopg2.connect(dbname="postgres", **params)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
            print(f"created database {db['NAME']}")
    conn.close()


def database_label(connection) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def seed(args, connection) -> str:
    from django.core.management import call_command

    from households.models import Household

    existing = Household.objects.count()
    if args.reuse and existing:
        return f"reused {existing:,} households"
    started = time.perf_counter()
    call_command("seed_demo", households=args.households, seed=args.seed, reset=True)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return f"seed_demo --households {args.households} --seed {args.seed}: {seconds:.1f} s"


def requests_for(user) -> list[tuple[str, str]]:
    """(label, URL) of the requests measured for one user."""
    from households.models import Household, Member

    members = Member.objects.filter(household__in=Household.objects.visible_to(user), is_active=True)
    count = members.count()
    id_number = members.order_by("id_number")[count // 2].id_number if count else "530113199001011234"
    return [
        ("page 1", "/households/"),
        ("page 1,000", "/households/?page=1000"),
        ("status=poor, q=李 (name search)", "/households/?status=poor&q=%E6%9D%8E"),
        ("status=poor, q=李, page 100", "/households/?status=poor&q=%E6%9D%8E&page=100"),
        ("q=ID number (exact)", f"/households/?q={id_number}"),
        ("q=5301130010010 (number prefix)", "/households/?q=5301130010010"),
        ("sort=-size (member count)", "/households/?sort=-size"),
    ]


def measure(client, url: str, repeat: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment

    client.get(url)  # warm-up
    # The query-count run also captures the template context (the page shown); the instrumentation that
    # captures it slows rendering, so it is off for the timed runs.
    setup_test_environment()
    try:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
    finally:
        teardown_test_environment()
    query_count = len(queries)  # read now: the next request resets the query log it slices
    page = response.context.get("page") if response.context is not None else None
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    shown = f"{page.number:,}/{page.paginator.num_pages:,}" if page is not None else "–"
    count = f"{page.paginator.count:,}" if page is not None else "–"
    return response.status_code, query_count, min(times), statistics.median(times), shown, count


def main() -> int:
    args = parse_args()
    import django
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        create_postgres_database(db)
    django.setup()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from households.models import User

    listing = (ROOT / "households" / "views" / "listing.py").read_text(encoding="utf-8")
    if "placeholder" in listing:
        print("households/views/listing.py is still a placeholder: seeding only")

    call_command("migrate", verbosity=0)
    seeding = seed(args, connection)
    print(seeding)

    rows = []
    if "placeholder" not in listing:
        for username in ("county", "township1"):
            user = User.objects.select_related("area").get(username=username)
            client = Client()
            client.force_login(user)
            for label, url in requests_for(user):
                status, queries, best, median, shown, count = measure(client, url, args.repeat)
                rows.append((username, label, status, shown, count, queries, best, median))
                print(f"{username:10} {label:34} {status} page {shown:>11} of {count:>8} rows  "
                      f"{queries:2} queries  best {best:7.1f} ms  median {median:7.1f} ms")  # fmt: skip

    if not args.no_readme:
        append_to_readme(args, database_label(connection), seeding, rows)
    return 0


def append_to_readme(args, database: str, seeding: str, rows) -> None:
    now = datetime.datetime.now(datetime.UTC).astimezone()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    lines = [
        "",
        f"### {now:%Y-%m-%d %H:%M} — {database}, {args.households:,} households",
        "",
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"commit {commit or '?'} (plus uncommitted work); {seeding}; {args.repeat} timed runs per request "
        "after one warm-up.",
        "",
    ]
    if rows:
        lines += [
            "| user | request | status | page shown | rows | SQL queries | best ms | median ms |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for username, label, status, shown, count, queries, best, median in rows:
            lines.append(
                f"| {username} | {label} | {status} | {shown} | {count} | {queries} | {best:.1f} | {median:.1f} |"
            )
    else:
        lines.append("List view not available yet: seeding only.")
    with README.open("a", encoding="utf-8") as readme:
        readme.write("\n".join(lines) + "\n")
    print(f"appended to {README.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
