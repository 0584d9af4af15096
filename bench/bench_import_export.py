#!/usr/bin/env python
"""Benchmark of the roster import and export (FORMATS §2, §6) at county scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import .venv/bin/python bench/bench_import_export.py
    DATABASE_URL=sqlite:////tmp/bench_import.sqlite3 .venv/bin/python bench/bench_import_export.py --households 10000

Steps (each measured phase runs in its own child process, so that its peak memory is its own):

1. generate a roster workbook of N households (default 100,000, ≈350,000 member rows) with valid ID numbers,
   written with our streaming writer (households/excel/xlsx_writer.py), and the area tree it needs;
2. on DATABASE_URL (the PostgreSQL database is created if missing; the registry tables of that database are
   emptied, never point it at real data): our import into an empty registry, the re-import of the same file
   (everything unchanged), our export of the whole county;
3. the floor: the same rows (households, incomes, members, member years as the import wrote them, without
   history) loaded again into the same, emptied tables, with PostgreSQL ``COPY FROM STDIN`` (on SQLite,
   which has no COPY: ``executemany`` of prepared INSERTs in one transaction);
4. django-import-export 4.x's default import (row by row, its default instance loader and diff, one transaction)
   of the member rows through a simple ``ModelResource`` for Member, on the first ``--iie-rows`` rows of the
   file (default 10,000) and extrapolated to the whole file: at ~360 rows/s the full run would take 15–20
   minutes (shared/reference/performance.md);
5. peak memory of every phase (``ru_maxrss`` of its process, Django included);
6. a dated Markdown table appended to bench/README.md (``--no-readme`` prints only).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "bench" / "README.md"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertymgmt.settings")
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

COUNTY = "530113"
TOWNSHIPS = 8
HOUSEHOLDS_PER_GROUP = 100
GROUPS_PER_VILLAGE = 8
INCOME_YEAR = 2018
TODAY = datetime.date(2026, 1, 1)
SIZES = (1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 6, 7)  # mean ≈ 3.6 members a household
RELATIONS_AFTER_SPOUSE = ("之子", "之女", "之子", "之女", "之孙子", "之孙女", "之父", "之母")
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林"
GIVEN = "国建明文志永军华德福成海林荣兴云正祥光平秀英芳兰玉珍丽梅琼娟霞凤红艳萍浩宇轩俊博晨杰涛磊欣怡涵雨佳思"
EDUCATION = ("小学", "初中", "初中", "高中", "文盲或半文盲", "大专及以上")
LABOUR = ("普通劳动力", "普通劳动力", "技能劳动力", "丧失劳动力", "无劳动力")
MIGRANT = ("无", "无", "乡（镇）内务工", "县外省内务工", "省外务工")
CAUSES = ("因病", "因残", "因学", "缺技术", "缺劳力", "缺资金", "交通条件落后", "自身发展动力不足")


# ---------------------------------------------------------------------------------------------
# The generated county.


def area_rows(households: int) -> list[tuple[str, str, str | None]]:
    """(code, name, parent code): one county, 8 townships, villages of 8 groups of ~100 households each."""
    groups = max(1, -(-households // HOUSEHOLDS_PER_GROUP))
    villages = max(TOWNSHIPS, -(-groups // GROUPS_PER_VILLAGE))
    rows = [(COUNTY, "东川区", None)]
    for t in range(1, TOWNSHIPS + 1):
        rows.append((f"{COUNTY}{t:03d}", f"第{t}乡镇", COUNTY))
    group_codes = []
    for v in range(villages):
        township = f"{COUNTY}{v % TOWNSHIPS + 1:03d}"
        village = f"{township}{v // TOWNSHIPS + 1:03d}"
        rows.append((village, f"第{v + 1}村", township))
        for g in range(1, GROUPS_PER_VILLAGE + 1):
            if len(group_codes) < groups:
                code = f"{village}{g:03d}"
                group_codes.append(code)
                rows.append((code, f"第{v + 1}村{g}组", village))
    return rows


def roster_rows(households: int, seed: int = 2018):
    """Yield (header → value) dicts, one per member, for ``households`` households: all valid."""
    from households.idnumber import make_id_number

    rng = random.Random(seed)
    groups = [code for code, _, _ in area_rows(households) if len(code) == 15]
    serials: dict[str, int] = {}

    def id_number(birth: datetime.date, male: bool) -> str:
        key = birth.strftime("%Y%m%d")
        serial = serials.get(key, 0)
        while serial % 2 != (1 if male else 0):
            serial += 1
        serials[key] = serial + 1
        region = f"53{serial // 1000 % 100:02d}13" if serial >= 1000 else COUNTY
        return make_id_number(f"{region}{key}{serial % 1000:03d}")

    def birth(first_year: int, last_year: int) -> datetime.date:
        return datetime.date(first_year, 1, 1) + datetime.timedelta(
            days=rng.randrange((datetime.date(last_year, 12, 31) - datetime.date(first_year, 1, 1)).days)
        )

    for n in range(households):
        group = groups[n * len(groups) // households]
        number = f"{group}{n % 10000:04d}{n // 10000:02d}"
        status = rng.choices(("未脱贫", "已脱贫", "返贫", "已清退", "一般农户"), (30, 55, 3, 2, 10))[0]
        registered = None if status == "一般农户" else datetime.date(rng.choice((2014, 2014, 2015, 2016)), 10, 1)
        exit_year = rng.choice((2016, 2017, 2018)) if status in ("已脱贫", "返贫") else None
        wage = rng.randrange(0, 2000000) / 100
        dibao = rng.choice((0, 0, 1200, 2400))
        pension = rng.choice((0, 0, 1236))
        surname = rng.choice(SURNAMES)
        household = {
            "户编号": number,
            "区划代码": group,
            "地址": f"{group[-6:]}号院{n % 500 + 1}号",
            "联系电话": f"13{rng.randrange(10**9):09d}",
            "户状态": status,
            "贫困户属性": None if status == "一般农户" else rng.choice(("一般贫困户", "低保贫困户", "特困供养贫困户")),
            "识别标准": "国家标准",
            "建档立卡日期": registered,
            "脱贫年度": exit_year,
            "主要致贫原因": None if status == "一般农户" else CAUSES[n % 4],
            "其他致贫原因": None if status == "一般农户" else CAUSES[4 + n % 4],
            "住房面积": rng.randrange(4000, 16000) / 100,
            "危房等级": rng.choice("AABBC"),
            "易地搬迁": "否",
            "饮水安全": "是",
            "取水半径": rng.choice((0.1, 0.5, 1)),
            "通生活用电": "是",
            "通广播电视": "是",
            "通宽带": rng.choice(("是", "否")),
            "卫生厕所": rng.choice(("是", "否")),
            "耕地面积": rng.randrange(0, 1000) / 100,
            "林地面积": rng.randrange(0, 500) / 100,
            "不愁吃穿": "是",
            "收入年度": INCOME_YEAR,
            "工资性收入": wage,
            "生产经营性收入": rng.randrange(0, 800000) / 100,
            "财产性收入": 0,
            "转移性收入": dibao + pension + 300,
            "低保金": dibao,
            "特困供养金": 0,
            "养老金": pension,
            "生态补偿金": 300,
            "计划生育金": 0,
            "其他转移性收入": 0,
            "生产经营性支出": rng.randrange(0, 200000) / 100,
            "返贫年度": 2018 if status == "返贫" else None,
        }
        size = rng.choice(SIZES)
        household["家庭人口数"] = size
        for m in range(size):
            if m == 0:
                relation, male, born = "户主", True, birth(1940, 1985)
            elif m == 1:
                relation, male, born = "配偶", False, birth(1940, 1985)
            else:
                relation = RELATIONS_AFTER_SPOUSE[(m - 2) % len(RELATIONS_AFTER_SPOUSE)]
                male = relation in ("之子", "之孙子", "之父")
                born = birth(1930, 1950) if relation in ("之父", "之母") else birth(1990, 2017)
            student = born.year >= 2004
            disabled = rng.random() < 0.05
            yield {
                **household,
                "姓名": surname + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else ""),
                "证件号码": id_number(born, male),
                "与户主关系": relation,
                "民族": rng.choice(("汉族", "汉族", "汉族", "彝族", "回族")),
                "文化程度": "学龄前儿童" if born.year >= 2013 else rng.choice(EDUCATION),
                "在校生状况": "小学" if student and born.year < 2012 else ("学前教育" if student else "非在校生"),
                "失学辍学原因": None,
                "就读负担较重": "否",
                "健康状况": "残疾" if disabled else rng.choice(("健康", "健康", "健康", "长期慢性病")),
                "疾病名称": None,
                "残疾等级": "二级" if disabled else None,
                "劳动技能": "无劳动力" if student else rng.choice(LABOUR),
                "务工状况": "无" if student else rng.choice(MIGRANT),
                "务工时间": 0 if student else rng.randrange(0, 13),
                "基本医疗保险": "是",
                "大病保险": "是",
                "养老保险": rng.choice(("是", "否")),
                "家庭医生签约": rng.choice(("是", "否")),
                "共享开支": "是",
            }


def write_roster(path: Path, households: int, *, limit: int | None = None) -> int:
    """The generated roster as an .xlsx (our writer); ``limit`` stops after that many member rows."""
    from households.excel.export import roster_export_columns, sheet_columns
    from households.excel.xlsx_writer import XlsxWriter

    columns = roster_export_columns(TODAY)
    headers = [c.header for c in columns]
    count = 0
    with XlsxWriter(path) as book:
        sheet = book.add_sheet("花名册", sheet_columns(columns), header=headers)
        for row in roster_rows(households):
            sheet.append([row.get(h) for h in headers])
            count += 1
            if limit and count >= limit:
                break
    return count


def write_areas(path: Path, households: int) -> None:
    from households.excel.columns import AREA_COLUMNS
    from households.excel.export import sheet_columns
    from households.excel.xlsx_writer import XlsxWriter

    with XlsxWriter(path) as book:
        sheet = book.add_sheet("行政区划", sheet_columns(AREA_COLUMNS), header=[c.header for c in AREA_COLUMNS])
        for row in area_rows(households):
            sheet.append(list(row))


# ---------------------------------------------------------------------------------------------
# Phases, each in a child process: ``bench_import_export.py --phase NAME FILE [--iie-rows N]`` prints one JSON line.

REGISTRY_TABLES = ("households_memberyear", "households_yearlyincome", "households_member", "households_household")
HISTORY_TABLES = tuple(t.replace("households_", "households_historical") for t in REGISTRY_TABLES)


def phase(name: str, path: Path, args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    result: dict = {}
    out = io.StringIO()
    started = time.perf_counter()
    if name in ("import", "reimport"):
        call_command("import_roster", str(path), stdout=out)
        result["report"] = [line for line in out.getvalue().splitlines() if "：新增" in line]
    elif name == "export":
        target = path.with_name("export.xlsx")
        call_command("export", kind="roster", output=str(target), stdout=out)
        result["bytes"] = target.stat().st_size
        result["report"] = out.getvalue().strip()
    elif name == "floor":
        result.update(copy_floor())
        started = time.perf_counter() - result.pop("seconds")
    elif name == "iie":
        result.update(import_export_subset(path, args.households, args.iie_rows))
        started = time.perf_counter() - result.pop("seconds")
    else:
        raise SystemExit(f"unknown phase {name}")
    result["seconds"] = time.perf_counter() - started
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def copy_floor() -> dict:
    """The live rows our import wrote, loaded again into the emptied tables: COPY (PostgreSQL) or executemany
    (SQLite), one transaction, same indexes and constraints, no history. Only the load is timed."""
    from django.db import connection, transaction

    tables = list(reversed(REGISTRY_TABLES))  # households first
    dumped = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            dumped[table] = ([c[0] for c in cursor.description], cursor.fetchall())
    rows = sum(len(data) for _, data in dumped.values())
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(REGISTRY_TABLES)} CASCADE")
        else:
            for table in REGISTRY_TABLES:
                cursor.execute(f"DELETE FROM {table}")
        started = time.perf_counter()
        for table in tables:
            columns, data = dumped[table]
            if connection.vendor == "postgresql":
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerows(data)
                buffer.seek(0)
                text = [c for c in columns if isinstance(next((r[columns.index(c)] for r in data[:1]), None), str)]
                force = f", FORCE_NOT_NULL ({', '.join(text)})" if text else ""
                cursor.cursor.copy_expert(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{force})", buffer
                )
            else:
                marks = ", ".join(["?"] * len(columns))
                cursor.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", data)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "method": "COPY" if connection.vendor == "postgresql" else "executemany"}


def import_export_subset(path: Path, households: int, limit: int) -> dict:
    """django-import-export 4's default import (row by row: its instance loader, diff, save() with history, in one
    transaction) of the member rows of the first ``limit`` rows of the roster, through a simple ModelResource.
    Those members are deleted first so that every row is a create; everything is rolled back afterwards."""
    import tablib
    from django.db import connection, transaction
    from import_export import fields, resources, widgets

    from households.choices import Education, LabourSkill, MigrantWork, Relation
    from households.idnumber import parse_id_number
    from households.models import Household, Member

    class LabelWidget(widgets.Widget):
        def __init__(self, choices):
            super().__init__()
            self.codes = {label: value for value, label in choices}

        def clean(self, value, row=None, **kwargs):
            return self.codes.get(value, "") if value else ""

    class MemberResource(resources.ModelResource):
        household = fields.Field("household", "户编号", widgets.ForeignKeyWidget(Household, "number"))
        name = fields.Field("name", "姓名")
        id_number = fields.Field("id_number", "证件号码")
        relation = fields.Field("relation", "与户主关系", LabelWidget(Relation.choices))
        ethnicity = fields.Field("ethnicity", "民族")
        education = fields.Field("education", "文化程度", LabelWidget(Education.choices))
        labour_skill = fields.Field("labour_skill", "劳动技能", LabelWidget(LabourSkill.choices))
        migrant_work = fields.Field("migrant_work", "务工状况", LabelWidget(MigrantWork.choices))
        migrant_months = fields.Field("migrant_months", "务工时间", widgets.IntegerWidget())

        class Meta:
            model = Member
            import_id_fields = ("id_number",)
            fields = ("household", "name", "id_number", "relation", "ethnicity", "education", "labour_skill")
            fields += ("migrant_work", "migrant_months")

        def before_save_instance(self, instance, row, **kwargs):
            info = parse_id_number(instance.id_number, today=TODAY)  # sex and birth date are required
            instance.sex, instance.birth_date = info.sex, info.birth_date

    subset = path.with_name(f"roster_{limit}.xlsx")
    write_roster(subset, households, limit=limit)  # the same generator: the first rows of the full file
    with transaction.atomic():
        started = time.perf_counter()
        dataset = tablib.Dataset().load(subset.read_bytes(), format="xlsx")
        loaded = time.perf_counter() - started
        ids = list(dataset["证件号码"])
        with connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute(
                "DELETE FROM households_memberyear WHERE member_id IN "
                f"(SELECT id FROM households_member WHERE id_number IN ({placeholders}))",
                ids,
            )
            cursor.execute(f"DELETE FROM households_member WHERE id_number IN ({placeholders})", ids)
        started = time.perf_counter()
        dataset = tablib.Dataset().load(subset.read_bytes(), format="xlsx")
        result = MemberResource().import_data(dataset, dry_run=False, raise_errors=False)
        seconds = time.perf_counter() - started
        created = result.totals.get("new", 0)
        errors = len(result.row_errors()) + len(result.invalid_rows)
        transaction.set_rollback(True)
    return {"seconds": seconds, "rows": len(dataset), "created": created, "errors": errors, "load_seconds": loaded}


def run_phase(name: str, path: Path, args) -> dict:
    command = [sys.executable, __file__, "--phase", name, "--file", str(path), "--iie-rows", str(args.iie_rows)]
    command += ["--households", str(args.households)]
    completed = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if completed.returncode != 0:
        print(completed.stdout, completed.stderr, file=sys.stderr)
        raise SystemExit(f"phase {name} failed")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    print(f"{name:9} {result['seconds']:8.1f} s  peak {result['maxrss_mb']:7.0f} MB  "
          f"{ {k: v for k, v in result.items() if k not in ('seconds', 'maxrss_mb')} }")  # fmt: skip
    return result


# ---------------------------------------------------------------------------------------------
# The run.


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000, help="size of the generated county")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench_import_export"), help="where files go")
    parser.add_argument("--iie-rows", type=int, default=10_000, help="member rows django-import-export imports")
    parser.add_argument("--skip-iie", action="store_true", help="leave out django-import-export")
    parser.add_argument("--no-readme", action="store_true", help="print only; do not append to bench/README.md")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
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


def empty_registry() -> None:
    """Delete the registry and its history in this (benchmark) database, without signals or history rows. Areas
    stay (re-importing them is idempotent)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(REGISTRY_TABLES + HISTORY_TABLES)} CASCADE")
        else:
            for table in ("households_fact", "households_memberchange", "households_survey"):
                cursor.execute(f"DELETE FROM {table}")
            for table in REGISTRY_TABLES + HISTORY_TABLES:
                cursor.execute(f"DELETE FROM {table}")


def database_label(connection) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def main() -> int:
    args = parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.file, args), ensure_ascii=False, default=str))
        return 0
    import django
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        create_postgres_database(db)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    args.workdir.mkdir(parents=True, exist_ok=True)
    roster = args.workdir / f"roster_{args.households}.xlsx"
    areas = args.workdir / f"areas_{args.households}.xlsx"
    started = time.perf_counter()
    rows = write_roster(roster, args.households)
    write_areas(areas, args.households)
    generated = time.perf_counter() - started
    size = roster.stat().st_size
    print(f"generated {args.households:,} households, {rows:,} member rows, {size / 1e6:.1f} MB in {generated:.1f} s")

    call_command("migrate", verbosity=0)
    empty_registry()
    call_command("import_areas", str(areas), stdout=io.StringIO())
    label = database_label(connection)
    connection.close()

    results = {"import": run_phase("import", roster, args)}
    results["reimport"] = run_phase("reimport", roster, args)
    results["export"] = run_phase("export", roster, args)
    results["floor"] = run_phase("floor", roster, args)
    if not args.skip_iie:
        results["iie"] = run_phase("iie", roster, args)
    if not args.no_readme:
        append_to_readme(args, label, rows, size, generated, results)
    return 0


def append_to_readme(args, database: str, rows: int, size: int, generated: float, results: dict) -> None:
    now = datetime.datetime.now(datetime.UTC).astimezone()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    floor = results["floor"]
    iie = results.get("iie")
    full_iie = iie["seconds"] * rows / iie["rows"] if iie else None

    def ratio(seconds: float, base: float | None) -> str:
        return f"{seconds / base:.1f}×" if base else "–"

    def line(label: str, result: dict, note: str = "") -> str:
        is_import = "import" in label  # the floor and django-import-export only compare with imports
        faster = f"{full_iie / result['seconds']:.0f}× faster" if full_iie and is_import else "–"
        floor_ratio = ratio(result["seconds"], floor["seconds"]) if is_import else "–"
        return f"| {label} | {result['seconds']:.1f} | {floor_ratio} | {faster} | {result['maxrss_mb']:.0f} | {note} |"

    lines = [
        "",
        f"### {now:%Y-%m-%d %H:%M} — import/export, {database}, {args.households:,} households",
        "",
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, commit "
        f"{commit or '?'} (plus uncommitted work). Generated roster: {rows:,} member rows, {size / 1e6:.1f} MB "
        f"(written in {generated:.1f} s by households/excel/xlsx_writer.py). Each phase in its own process; "
        "peak memory is that process's maximum resident set (Django included).",
        "",
        "| step | seconds | × floor | vs django-import-export | peak MB | notes |",
        "|---|---|---|---|---|---|",
        line("our import, empty registry (+ history)", results["import"], "; ".join(results["import"]["report"])),
        line("our re-import, all unchanged", results["reimport"], "nothing written"),
        line(
            "our export (--kind roster)",
            results["export"],
            f"{results['export']['bytes'] / 1e6:.1f} MB file; {results['export']['report']}",
        ),
        f"| floor: {floor['method']} of the same {floor['rows']:,} live rows (no history) | {floor['seconds']:.1f} | "
        f"1.0× | – | {floor['maxrss_mb']:.0f} | households, incomes, members, member years; rows already in memory |",
    ]
    if iie:
        lines.append(
            f"| django-import-export 4.4 default import, {iie['rows']:,} member rows | {iie['seconds']:.1f} | – | – | "
            f"{iie['maxrss_mb']:.0f} | {iie['created']:,} created, {iie['errors']} errors; tablib load "
            f"{iie['load_seconds']:.1f} s included |"
        )
        lines.append(
            f"| django-import-export, extrapolated to {rows:,} rows | {full_iie:.0f} | "
            f"{ratio(full_iie, floor['seconds'])} | – | – | {rows / iie['rows']:.1f} × the measured subset |"
        )
    with README.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print(f"appended to {README}")


if __name__ == "__main__":
    sys.exit(main())
