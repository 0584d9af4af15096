"""Households per second of a county evaluation (issue 4 item 6), on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_evaluate.py --households 100000                       # SQLite in /tmp
    .venv/bin/python bench/bench_evaluate.py --households 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/evalbench                      # PostgreSQL

The database is migrated, the seed policies loaded, and ``seed_demo --households N --reset`` run unless it already
holds exactly N households (``--reseed`` forces it). Then, each in a fresh process so that peak memory is its own:

1. ``load``: the loader alone over every household (``assessment.loader.load_households``);
2. ``evaluate``: ``manage.py evaluate --policy 云南省2018年度 --output FILE`` — loader, rules, JSON Lines and the
   stored run (results and outcome rows written with ``bulk_create``), exactly what a county office runs. Earlier
   runs are deleted first (untimed; ``--keep-runs`` keeps them) so that every measurement starts alike.

Prints wall time, households per second and peak resident memory of each phase. Target: 100,000 households (about
350,000 members) in under 60 s with bounded memory. Results are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POLICY = "云南省2018年度"

CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertymgmt.settings")
import django
django.setup()
from django.core.management import call_command
from django.db import connection
phase = {phase!r}
started = time.perf_counter()
if phase == "load":
    from assessment.loader import load_households
    from households.models import Household, Member
    households = members = 0
    for data in load_households(Household.objects.all(), income_year=2018):
        households += 1
        members += len(data.members)
    extra = {{"members": members}}
else:
    from io import StringIO
    from assessment.models import EvaluationOutcome, EvaluationResult, EvaluationRun
    from households.models import Household
    households = Household.objects.count()
    if not {keep_runs!r}:  # every measurement starts from empty result tables (not timed)
        EvaluationOutcome.objects.all().delete()
        EvaluationResult.objects.all().delete()
        EvaluationRun.objects.all().delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE assessment_evaluationresult, assessment_evaluationoutcome")
    started = time.perf_counter()
    err = StringIO()
    call_command("evaluate", policy={policy!r}, output={output!r}, stderr=err)
    run = EvaluationRun.objects.latest("pk")
    extra = {{"run": run.pk, "counts": run.counts, "results": run.results.count(), "outcomes": run.outcomes.count()}}
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"phase": phase, "households": households, "seconds": seconds, "peak_mib": peak, **extra}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--database-url", default="sqlite:////tmp/bench_evaluate.sqlite3")
    parser.add_argument("--reseed", action="store_true", help="always rebuild the demo county")
    parser.add_argument("--phases", default="load,evaluate", help="comma separated: load, evaluate")
    parser.add_argument("--keep-runs", action="store_true", help="keep earlier runs (default: delete them first)")
    args = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": args.database_url}
    engine = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "loaddata", "-v", "0", "policies"], env=env, check=True, cwd=ROOT)
    count = int(
        subprocess.run(
            [*manage, "shell", "-c", "from households.models import Household; print(Household.objects.count())"],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
    )
    if args.reseed or count != args.households:
        print(f"[{engine}] seed_demo --households {args.households} (had {count}) …", flush=True)
        began = time.perf_counter()
        seed = [*manage, "seed_demo", "--households", str(args.households)]
        subprocess.run([*seed, "--reset"] if count else seed, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        print(f"[{engine}] seeded in {time.perf_counter() - began:.0f} s", flush=True)
        if engine == "PostgreSQL":
            subprocess.run([*manage, "dbshell", "--", "-c", "VACUUM ANALYZE"], env=env, check=True, cwd=ROOT)

    output = "/tmp/bench_evaluate.jsonl"
    for phase in args.phases.split(","):
        code = CHILD.format(root=str(ROOT), phase=phase, policy=POLICY, output=output, keep_runs=args.keep_runs)
        done = subprocess.run([PYTHON, "-c", code], env=env, check=True, cwd=ROOT, capture_output=True, text=True)
        stats = json.loads(done.stdout.strip().splitlines()[-1])
        rate = stats["households"] / stats["seconds"]
        line = (
            f"[{engine}] {phase:8s} {stats['households']:>8,} households in {stats['seconds']:6.1f} s = "
            f"{rate:>8,.0f} households/s, peak {stats['peak_mib']:,.0f} MiB"
        )
        if "members" in stats:
            line += f", {stats['members']:,} members"
        if "outcomes" in stats:
            line += f", {stats['results']:,} results + {stats['outcomes']:,} outcome rows stored"
        print(line, flush=True)


if __name__ == "__main__":
    main()
