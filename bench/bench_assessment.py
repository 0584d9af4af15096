#!/usr/bin/env python
"""Benchmark of the yearly assessment (考核, issue 6) on the demo county at county scale.

    DATABASE_URL=sqlite:////tmp/bench-assess.sqlite3 .venv/bin/python bench/bench_assessment.py --households 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_assess .venv/bin/python bench/bench_assessment.py

Steps (one process; the database is created if needed on PostgreSQL, migrated and ``loaddata policies`` run):

1. ``seed_demo --households N --reset`` unless the database already holds exactly N households (``--reseed``
   forces it), then ``ANALYZE`` (also when the households are reused);
2. ``evaluate --policy 云南省2018年度 --output /tmp/bench-eval.jsonl`` unless a finished run exists (timed once;
   bench_evaluate.py measures it properly);
3. the draw (assessment/samples.py ``draw_plan``) of a county-wide plan with the strata of the demo's county plan
   (assessment/assessment_demo.py ``PLAN_SPECS``: poor 16/8 scattered/25 % ill, exited 24, ordinary 16, two
   satisfaction villages of 10) and of a township plan (铜都街道's: 2 villages, 8/8/6), inside a transaction that is
   rolled back at the end: ``--draw-repeat`` timed draws (each a redraw of the same plan), then one more inside
   ``CaptureQueriesContext`` with ``tracemalloc`` on for the query count and the peak of Python allocations;
4. ``seed_assessment_demo``: ``--seed-repeat`` − 1 runs rolled back, then the one that is kept (skipped when the
   year's assessment already exists);
5. the pages that read the whole assessment, through ``django.test.Client`` logged in as ``county``
   (``force_login``): one warm-up, one run inside ``CaptureQueriesContext`` (query count, slowest queries, repeated
   query shapes), then ``--repeat`` timed runs.

Results are printed and (unless ``--no-readme``) appended to bench/README.md as a dated block. Never point it at real
data: ``seed_demo --reset`` deletes the registry.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import resource
import statistics
import sys
import time
import tracemalloc
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "bench" / "README.md"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertymgmt.settings")
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

POLICY = "云南省2018年度"
EVAL_OUTPUT = "/tmp/bench-eval.jsonl"
TOWNSHIP = "铜都街道"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000, help="size of the demo county (default 100000)")
    parser.add_argument("--seed", type=int, default=2018, help="seed_demo's random seed")
    parser.add_argument("--reseed", action="store_true", help="always rebuild the demo county")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per page (after one warm-up)")
    parser.add_argument("--draw-repeat", type=int, default=3, help="timed draws per plan")
    parser.add_argument("--seed-repeat", type=int, default=3, help="runs of seed_assessment_demo (last one kept)")
    parser.add_argument("--slowest", type=int, default=3, help="slowest queries printed per measurement")
    parser.add_argument("--no-readme", action="store_true", help="print only; do not append to bench/README.md")
    return parser.parse_args()


def create_postgres_database(db: dict) -> None:
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


def fmt_range(values: list[float], unit: str = "", digits: int = 1) -> str:
    """median (min–max), as the other benches report."""
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}{unit}"
    return f"{med:.{digits}f}{unit} ({min(values):.{digits}f}–{max(values):.{digits}f})"


# ---- query analysis ----


def shape(sql: str) -> str:
    """A query with its literals replaced, to find the same query repeated per row (N+1)."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)
    sql = re.sub(r"\((?:\s*\?\s*,?)+\)", "(?…)", sql)
    return sql


def analyse(queries, slowest: int) -> dict:
    captured = list(queries.captured_queries)
    total = sum(float(q["time"]) for q in captured)
    top = sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:slowest]
    shapes = Counter(shape(q["sql"]) for q in captured)
    repeated = [(n, s) for s, n in shapes.most_common(3) if n > 1]
    return {"count": len(captured), "db_seconds": total, "slowest": top, "repeated": repeated}


def print_analysis(label: str, info: dict) -> None:
    print(f"    {label}: {info['count']} queries, {info['db_seconds'] * 1000:.0f} ms in the database")
    for q in info["slowest"]:
        print(f"      {float(q['time']) * 1000:8.1f} ms  {q['sql'][:400]}")
    for n, s in info["repeated"]:
        print(f"      repeated ×{n}: {s[:300]}")


# ---- steps ----


def seed(args, connection) -> tuple[str, float | None]:
    from django.core.management import call_command

    from households.models import Household

    existing = Household.objects.count()
    if existing == args.households and not args.reseed:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return f"reused {existing:,} households (seed_demo not run; ANALYZE run)", None
    started = time.perf_counter()
    call_command("seed_demo", households=args.households, seed=args.seed, reset=True, verbosity=0)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return f"seed_demo --households {args.households} --seed {args.seed}: {seconds:.1f} s", seconds


def evaluate() -> str:
    from io import StringIO

    from django.core.management import call_command

    from assessment.models import EvaluationRun

    if EvaluationRun.objects.filter(status=EvaluationRun.Status.FINISHED).exists():
        return "evaluate: a finished run exists (not run again)"
    started = time.perf_counter()
    call_command("evaluate", policy=POLICY, output=EVAL_OUTPUT, stdout=StringIO(), stderr=StringIO())
    return f"evaluate --policy {POLICY}: {time.perf_counter() - started:.1f} s"


class Rollback(Exception):
    pass


def bench_draws(args, connection) -> list[dict]:
    """Draw a county and a township plan, repeatedly, in a transaction rolled back at the end."""
    from decimal import Decimal

    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from assessment.assessment_demo import PLAN_SPECS
    from assessment.models import Policy
    from assessment.review_models import Assessment, PlanStratum, SamplePlan
    from assessment.samples import draw_plan, save_plan, scope_households
    from households.choices import AreaLevel
    from households.models import Area, User

    policy = Policy.objects.filter(name=POLICY).order_by("-version").first()
    user = User.objects.get(username="county")
    county = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
    township = Area.objects.get(level=AreaLevel.TOWNSHIP, name=TOWNSHIP, code__startswith=county.code)
    specs = {spec.township: spec for spec in PLAN_SPECS}
    rows = []
    try:
        with transaction.atomic():
            assessment = Assessment.objects.filter(year=policy.income_year).first()
            if assessment is None:
                assessment = Assessment.objects.create(
                    year=policy.income_year,
                    name=f"bench {policy.income_year}",
                    policy=policy,
                    rate_basis=Assessment.RateBasis.STRATUM,
                    created_by=user,
                )
            for label, area, spec in (("county", county, specs[""]), ("township", township, specs[TOWNSHIP])):
                plan = SamplePlan(
                    assessment=assessment,
                    area=area,
                    name=f"bench {label} plan",
                    seed=f"bench-{spec.seed}",
                    village_count=spec.village_count,
                    min_poor_villages=1 if spec.village_count else 0,
                    min_non_poor_villages=1 if spec.village_count else 0,
                    satisfaction_villages=2,
                    satisfaction_per_village=10,
                    created_by=user,
                )
                strata = [
                    PlanStratum(stratum=s, size=n, scattered_minimum=m, ill_disabled_share=Decimal(share))
                    for s, n, m, share in spec.strata
                ]
                plan = save_plan(plan, strata, expected_version=None)
                times = []
                for _ in range(args.draw_repeat):
                    started = time.perf_counter()
                    plan = draw_plan(plan, by=user)
                    times.append(time.perf_counter() - started)
                tracemalloc.start()
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    plan = draw_plan(plan, by=user)
                traced = time.perf_counter() - started
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                info = analyse(queries, args.slowest)
                drawn = plan.drawn.count()
                households = scope_households(area.code).count()
                row = {
                    "label": f"{label} plan ({area.name}; strata "
                    + ", ".join(f"{s} {n}" for s, n, _m, _sh in spec.strata)
                    + (f"; {spec.village_count} villages" if spec.village_count else "")
                    + ")",
                    "households": households,
                    "drawn": drawn,
                    "times": times,
                    "traced": traced,
                    "peak_mib": peak / 2**20,
                    "queries": info,
                }
                rows.append(row)
                print(
                    f"draw {label:9} over {households:,} households, {drawn} drawn: "
                    f"{fmt_range([t * 1000 for t in times], ' ms', 0)}, {info['count']} queries, "
                    f"tracemalloc peak {peak / 2**20:.1f} MiB (that run {traced:.2f} s)"
                )
                print_analysis("draw", info)
            raise Rollback
    except Rollback:
        pass
    return rows


def bench_seed_assessment(args) -> dict:
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction

    from assessment.models import Policy
    from assessment.review_models import Assessment

    policy = Policy.objects.filter(name=POLICY).order_by("-version").first()
    if Assessment.objects.filter(year=policy.income_year).exists():
        print("seed_assessment_demo: the assessment exists already (not timed)")
        return {"times": [], "note": "the assessment existed already (not timed)"}
    times = []
    out = ""
    for run in range(args.seed_repeat):
        keep = run == args.seed_repeat - 1
        stdout = StringIO()
        started = time.perf_counter()
        try:
            with transaction.atomic():
                call_command("seed_assessment_demo", stdout=stdout)
                if not keep:
                    raise Rollback
        except Rollback:
            pass
        times.append(time.perf_counter() - started)
        out = stdout.getvalue()
        print(f"seed_assessment_demo run {run + 1}{' (kept)' if keep else ' (rolled back)'}: {times[-1]:.1f} s")
    print(out)
    return {"times": times, "note": ""}


def page_urls():
    from django.urls import reverse

    from assessment.review_models import Assessment, SamplePlan
    from households.choices import AreaLevel
    from households.models import Area

    assessment = Assessment.objects.order_by("-year").first()
    plan = SamplePlan.objects.filter(assessment=assessment, area__level=AreaLevel.COUNTY).order_by("pk").first()
    township = Area.objects.get(level=AreaLevel.TOWNSHIP, name=TOWNSHIP)
    pk, year = assessment.pk, assessment.year
    return [
        ("assessment detail", reverse("assessment:assessment_detail", args=[pk])),
        ("county plan", reverse("assessment:plan_detail", args=[plan.pk])),
        ("rates", reverse("assessment:rates", args=[pk])),
        ("scores overview", reverse("assessment:score_overview", args=[pk])),
        (f"township score ({TOWNSHIP})", reverse("assessment:score_township", args=[pk, township.code])),
        ("funds", reverse("assessment:fund_detail", args=[year])),
        ("self-evaluation report", reverse("assessment:report_detail", args=[year])),
        ("report .docx", reverse("assessment:report_docx", args=[year])),
    ]


def bench_pages(args, connection) -> list[dict]:
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from households.models import User

    client = Client()
    client.force_login(User.objects.get(username="county"))
    rows = []
    for label, url in page_urls():
        started = time.perf_counter()
        client.get(url)  # warm-up
        warm = time.perf_counter() - started
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        info = analyse(queries, args.slowest)
        repeat = args.repeat if warm < 10 else max(1, args.repeat // 2)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        row = {
            "label": label,
            "url": url,
            "status": response.status_code,
            "kb": len(response.content) / 1024,
            "times": times,
            "queries": info,
        }
        rows.append(row)
        print(
            f"{label:34} {url:45} {response.status_code} {row['kb']:7.1f} KB {info['count']:4} queries "
            f"({info['db_seconds'] * 1000:.0f} ms in SQL)  {fmt_range(times, ' ms')}"
        )
        print_analysis("page", info)
    return rows


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

    call_command("migrate", verbosity=0)
    call_command("loaddata", "policies", verbosity=0)
    database = database_label(connection)
    print(database)
    seeding, _ = seed(args, connection)
    print(seeding)
    evaluation = evaluate()
    print(evaluation)
    draws = bench_draws(args, connection)
    seeded = bench_seed_assessment(args)
    pages = bench_pages(args, connection)
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {maxrss:.0f} MiB")
    if not args.no_readme:
        append_to_readme(args, database, seeding, evaluation, draws, seeded, pages)
    return 0


def append_to_readme(args, database, seeding, evaluation, draws, seeded, pages) -> None:
    now = datetime.datetime.now(datetime.UTC).astimezone()
    load = os.getloadavg()[0]
    lines = [
        "",
        f"### {now:%Y-%m-%d %H:%M} — assessment, {database}, {args.households:,} households",
        "",
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs (load average "
        f"{load:.1f} at the end); {seeding}; {evaluation}. Times: median (min–max).",
        "",
        "| step | households in scope | drawn | median ms (min–max) | SQL queries | ms in SQL | peak (tracemalloc) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in draws:
        q = row["queries"]
        lines.append(
            f"| draw: {row['label']} | {row['households']:,} | {row['drawn']} | "
            f"{fmt_range([t * 1000 for t in row['times']], '', 0)} | {q['count']} | {q['db_seconds'] * 1000:.0f} | "
            f"{row['peak_mib']:.1f} MiB |"
        )
    if seeded["times"]:
        lines.append(
            f"| `seed_assessment_demo` ({len(seeded['times'])} runs, last kept) | – | – | "
            f"{fmt_range([t * 1000 for t in seeded['times']], '', 0)} | – | – | – |"
        )
    else:
        lines.append(f"| `seed_assessment_demo` | – | – | {seeded['note']} | – | – | – |")
    lines += [
        "",
        f"Pages as `county` (django.test.Client; one warm-up, one counted run, {args.repeat} timed runs):",
        "",
        "| page | URL | status | KB | SQL queries | ms in SQL | median ms (min–max) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in pages:
        q = row["queries"]
        lines.append(
            f"| {row['label']} | `{row['url']}` | {row['status']} | {row['kb']:.0f} | {q['count']} | "
            f"{q['db_seconds'] * 1000:.0f} | {fmt_range(row['times'])} |"
        )
    with README.open("a", encoding="utf-8") as readme:
        readme.write("\n".join(lines) + "\n")
    print(f"appended to {README.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
