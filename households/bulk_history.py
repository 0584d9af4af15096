"""Bulk inserts and updates that leave the same history rows as django-simple-history, at a fraction of the cost.

docs/decisions.md: every bulk write of a registry model leaves history. simple-history's helpers
(``bulk_create_with_history`` / ``bulk_update_with_history``) build a Python model instance for every live row
and again for every history row, and Django compiles every value of both through the ORM: for a 100,000-household
roster that was ~85 % of the import's time (docs/excel.md, "Performance"). Here:

- live rows are inserted from plain value tuples, values adapted per column type, not per value through the ORM:
  on SQLite (≥ 3.35) with multi-row ``INSERT … VALUES … RETURNING id``; on PostgreSQL with ``COPY … FROM STDIN``
  after taking the ids from the table's sequence (a multi-row INSERT spends most of its time quoting parameters);
  updates are one ``executemany`` of a single-row UPDATE on SQLite, ``UPDATE … FROM (VALUES …)`` on PostgreSQL;
- the history rows are then copied from the live rows by the database itself, one set-based statement per
  table and batch::

      INSERT INTO households_historicalmember (id, name, …, history_date, history_change_reason,
                                               history_type, history_user_id)
      SELECT id, name, …, %s, %s, '+', %s FROM households_member WHERE id IN (…)

  so they hold exactly what the live rows hold after the write (simple-history copies the instance's attributes,
  which is the same thing), with ``history_type`` '+' or '~', the given user (or, like simple-history, the user of
  the current request) and change reason.

The difference from simple-history: all rows of one call share one ``history_date`` (simple-history calls
``timezone.now()`` per row, microseconds apart). ``SIMPLE_HISTORY_ENABLED = False`` turns history off here too.
Tested against simple-history's own output in tests/households/test_bulk_history.py.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

CHANGE_REASON_LENGTH = 100  # simple-history's history_change_reason column
BATCH_SIZE = 2000  # rows whose history is copied by one statement (also the size of the id lists)
CREATE, UPDATE = "+", "~"
TEXT_TYPES = frozenset({"CharField", "TextField", "EmailField", "SlugField", "URLField", "GenericIPAddressField"})


def insert_with_history(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    user=None,
    reason: str = "",
    date: datetime.datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[int]:
    """Insert ``rows`` (value tuples in the order of ``fields``, field names or attnames such as ``household_id``)
    and one '+' history row each; return the new primary keys in row order.

    Model fields not named get their default (``auto_now``/``auto_now_add`` fields: ``date``), as ``Model()``
    would give them; ``save()`` is not called, so callers set what ``save()`` would derive.
    """
    date = date or timezone.now()
    table = _Table(model)
    columns, defaults = table.insert_columns(fields, date)
    given = len(fields)
    defaults = [table.prepare[column](value) for column, value in zip(columns[given:], defaults, strict=True)]
    convert = table.converters(columns[:given])
    width = len(columns)
    pks: list[int] = []
    with transaction.atomic(using=table.db, savepoint=False):
        for batch in _batches(rows, batch_size):
            values = table.prepared(batch, convert, defaults, given)
            batch_pks = table.insert(columns, values, width)
            table.copy_history(batch_pks, CREATE, user=user, reason=reason, date=date)
            pks.extend(batch_pks)
    return pks


def update_with_history(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    user=None,
    reason: str = "",
    date: datetime.datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Set ``fields`` of existing rows; ``rows`` are tuples ``(pk, value, value, …)``. One '~' history row per row,
    holding the row as it is after the update (what ``bulk_update_with_history`` records). Returns the row count."""
    date = date or timezone.now()
    table = _Table(model)
    columns = [table.column(name) for name in fields]
    convert = [(position + 1, function) for position, function in table.converters(columns)]
    count = 0
    with transaction.atomic(using=table.db, savepoint=False):
        for batch in _batches(rows, batch_size):
            pks = [row[0] for row in batch]
            values = [row[1:] for row in table.prepared(batch, convert, [], len(columns) + 1)]
            if columns:
                table.update(columns, pks, values)
            table.copy_history(pks, UPDATE, user=user, reason=reason, date=date)
            count += len(batch)
    return count


def create_objects_with_history(
    objs: Sequence[models.Model], *, user=None, reason: str = "", date: datetime.datetime | None = None
) -> list[models.Model]:
    """``bulk_create_with_history`` for model instances: every concrete field is written (``auto_now`` and
    ``auto_now_add`` ones get ``date``, as ``save()`` would give them); pks are set."""
    if not objs:
        return []
    model = type(objs[0])
    date = date or timezone.now()
    concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [f.attname for f in concrete if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    fields = [f.attname for f in concrete if f.attname not in stamped]
    pks = insert_with_history(
        model, fields, ([getattr(o, f) for f in fields] for o in objs), user=user, reason=reason, date=date
    )
    for obj, pk in zip(objs, pks, strict=True):
        for name in stamped:
            setattr(obj, name, date)
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = router.db_for_write(model)
    return list(objs)


def update_objects_with_history(
    objs: Sequence[models.Model],
    fields: Sequence[str],
    *,
    user=None,
    reason: str = "",
    date: datetime.datetime | None = None,
) -> int:
    """``bulk_update_with_history`` for model instances."""
    if not objs:
        return 0
    model = type(objs[0])
    attnames = [model._meta.get_field(name).attname for name in fields]
    rows = ([o.pk, *(getattr(o, name) for name in attnames)] for o in objs)
    return update_with_history(model, attnames, rows, user=user, reason=reason, date=date)


def refresh_statistics(*models: type[models.Model]) -> None:
    """PostgreSQL: ANALYZE the live and history tables after a bulk load.

    Without statistics (autovacuum analyzes a while later) the planner takes a table loaded by one import for a
    small one and answers the next import's ``household_id IN (…)`` lookups with sequential scans: a re-import of
    100,000 households spent 11 s in 350 such queries instead of ~1 s. ANALYZE samples 30,000 rows a table
    (about a second for a county). SQLite's planner uses the indexes without statistics; nothing to do there.
    """
    for model in models:
        table = _Table(model)
        if table.connection.vendor != "postgresql":
            return
        tables = [table.table] + ([table.history._meta.db_table] if table.history is not None else [])
        with table.connection.cursor() as cursor:
            for name in tables:
                cursor.execute(f"ANALYZE {table.ops.quote_name(name)}")


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterable[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


class _Table:
    """One model's live and history tables on its database, with per-column value adapters."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.db = router.db_for_write(model)
        self.connection = connections[self.db]
        self.ops = self.connection.ops
        meta = model._meta
        self.table = meta.db_table
        self.pk_column = meta.pk.column
        self.fields = {f.column: f for f in meta.concrete_fields}
        self.by_name = {f.name: f for f in meta.concrete_fields} | {f.attname: f for f in meta.concrete_fields}
        self.prepare: dict[str, Callable[[Any], Any]] = {c: self._adapter(f) for c, f in self.fields.items()}
        self.history = get_history_model_for_model(model) if getattr(settings, "SIMPLE_HISTORY_ENABLED", True) else None

    def column(self, name: str) -> str:
        return self.by_name[name].column

    def converters(self, columns: Sequence[str]) -> list[tuple[int, Callable[[Any], Any]]]:
        """(position, adapter) of the columns whose values the driver cannot take as they are."""
        return [(i, self.prepare[c]) for i, c in enumerate(columns) if self.prepare[c] is not _same]

    @staticmethod
    def prepared(
        batch: list[Sequence[Any]], convert: list[tuple[int, Callable]], defaults: list[Any], width: int
    ) -> list[list[Any]]:
        rows = []
        for row in batch:
            if len(row) != width:
                raise ValueError(f"a row has {len(row)} values for {width} columns")
            values = [*row, *defaults]
            for position, function in convert:
                values[position] = function(values[position])
            rows.append(values)
        return rows

    def insert_columns(self, names: Sequence[str], date: datetime.datetime) -> tuple[list[str], list[Any]]:
        """The given columns, then every other non-pk column with its default (what ``Model()`` sets)."""
        columns = [self.column(name) for name in names]
        given = set(columns)
        defaults = []
        for column, field in self.fields.items():
            if column in given or field.primary_key:
                continue
            columns.append(column)
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                defaults.append(date)
            else:
                defaults.append(field.get_default())
        return columns, defaults

    def _adapter(self, field: models.Field) -> Callable[[Any], Any]:
        """Python value → what the driver takes, without the ORM's per-value call chain for the common types."""
        internal = field.get_internal_type()
        if internal == "DateField":
            return self.ops.adapt_datefield_value
        if internal == "DateTimeField":
            return self._adapt_datetime
        if internal == "DecimalField":
            ops, digits, places = self.ops, field.max_digits, field.decimal_places
            if type(ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value:
                return _same  # both backends hand Decimal to the driver as it is
            return lambda value: ops.adapt_decimalfield_value(value, digits, places)
        if field.is_relation or internal in (
            "AutoField",
            "BigAutoField",
            "BigIntegerField",
            "BooleanField",
            "CharField",
            "IntegerField",
            "PositiveBigIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "SmallIntegerField",
            "TextField",
        ):
            return _same
        connection = self.connection
        return lambda value: field.get_db_prep_save(value, connection)

    def _adapt_datetime(self, value):
        if value is not None and settings.USE_TZ and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return self.ops.adapt_datetimefield_value(value)

    def _max_params(self) -> int:
        if self.connection.vendor == "sqlite":
            # Django assumes SQLite's old default of 999 variables; the library in use says what it allows.
            import sqlite3

            self.connection.ensure_connection()
            try:
                return self.connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            except AttributeError:  # Python < 3.11
                return self.connection.features.max_query_params
        return self.connection.features.max_query_params or 65535

    def insert(self, columns: list[str], values: list[list[Any]], width: int) -> list[int]:
        if self.connection.vendor == "postgresql":
            pks = self._copy(columns, values)
            if pks is not None:
                return pks
        quote = self.ops.quote_name
        head = f"INSERT INTO {quote(self.table)} ({', '.join(quote(c) for c in columns)}) VALUES "
        placeholder = "(" + ", ".join(["%s"] * width) + ")"
        pks: list[int] = []
        with self.connection.cursor() as cursor:
            if not self.connection.features.can_return_rows_from_bulk_insert:  # SQLite < 3.35
                for row in values:
                    cursor.execute(head + placeholder, row)
                    pks.append(self.ops.last_insert_id(cursor, self.table, self.pk_column))
                return pks
            per_statement = max(1, min(1000, (self._max_params() - 1) // width))
            returning = f" RETURNING {quote(self.pk_column)}"
            for start in range(0, len(values), per_statement):
                page = values[start : start + per_statement]
                cursor.execute(head + ", ".join([placeholder] * len(page)) + returning, [v for r in page for v in r])
                # Django's bulk_create relies on the same order of RETURNING rows (SQLite and PostgreSQL).
                pks.extend(row[0] for row in cursor.fetchall())
        return pks

    def _copy(self, columns: list[str], values: list[list[Any]]) -> list[int] | None:
        """PostgreSQL: take the ids from the table's sequence, then COPY the rows in CSV (4× faster than a
        multi-row INSERT, whose parameters the driver quotes one by one). None when the driver cannot COPY."""
        quote = self.ops.quote_name
        with self.connection.cursor() as cursor:
            raw = cursor.cursor
            if not hasattr(raw, "copy_expert") and not hasattr(raw, "copy"):
                return None
            if any(self.fields[c].null and self.fields[c].get_internal_type() in TEXT_TYPES for c in columns):
                return None  # CSV cannot tell NULL from '' in a nullable text column
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(self.table), self.pk_column, len(values)],
            )
            pks = [row[0] for row in cursor.fetchall()]
            buffer = io.StringIO()
            # CSV: None is written as an unquoted empty field, which COPY reads as NULL; an empty string is written
            # the same way, so the NOT NULL text columns are read with FORCE_NOT_NULL (empty = ''). Booleans go as
            # True/False, dates and decimals as their text.
            csv.writer(buffer, lineterminator="\n").writerows([pk, *row] for pk, row in zip(pks, values, strict=True))
            text_columns = [quote(c) for c in columns if self.fields[c].get_internal_type() in TEXT_TYPES]
            sql = (
                f"COPY {quote(self.table)} ({', '.join(quote(c) for c in [self.pk_column, *columns])}) "
                "FROM STDIN WITH (FORMAT csv"
                + (f", FORCE_NOT_NULL ({', '.join(text_columns)})" if text_columns else "")
                + ")"
            )
            buffer.seek(0)
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, buffer)
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    copy.write(buffer.getvalue())
        return pks

    def update(self, columns: list[str], pks: list[int], values: list[list[Any]]) -> None:
        quote = self.ops.quote_name
        with self.connection.cursor() as cursor:
            if self.connection.vendor != "postgresql":
                assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
                sql = f"UPDATE {quote(self.table)} SET {assignments} WHERE {quote(self.pk_column)} = %s"
                cursor.executemany(sql, [[*row, pk] for pk, row in zip(pks, values, strict=True)])
                return
            # One statement per page instead of a round trip per row; VALUES needs the column types spelt out.
            casts = [self.fields[self.pk_column].rel_db_type(self.connection)]
            casts += [self.fields[c].cast_db_type(self.connection) for c in columns]
            placeholder = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
            names = ", ".join(quote(c) for c in ["__pk", *columns])
            assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
            per_statement = max(1, min(1000, 65000 // (len(columns) + 1)))
            for start in range(0, len(pks), per_statement):
                page = list(zip(pks[start : start + per_statement], values[start : start + per_statement], strict=True))
                sql = (
                    f"UPDATE {quote(self.table)} AS t SET {assignments} FROM (VALUES "
                    + ", ".join([placeholder] * len(page))
                    + f") AS v({names}) WHERE t.{quote(self.pk_column)} = v.{quote('__pk')}"
                )
                cursor.execute(sql, [v for pk, row in page for v in (pk, *row)])

    def copy_history(self, pks: list[int], history_type: str, *, user, reason: str, date: datetime.datetime) -> None:
        """One INSERT … SELECT: the history rows of ``pks``, copied from the live rows by the database."""
        if self.history is None or not pks:
            return
        quote = self.ops.quote_name
        tracked = [field.column for field in self.history.tracked_fields]
        history_table = self.history._meta.db_table
        if user is None:
            user = self.history.get_default_history_user(object())  # the request's user, as simple-history does
        user_id = getattr(user, "pk", user)
        target = ", ".join(quote(c) for c in tracked)
        extra = ", ".join(
            quote(c) for c in ("history_date", "history_change_reason", "history_type", "history_user_id")
        )
        per_statement = max(1, min(BATCH_SIZE, self._max_params() - 4))
        with self.connection.cursor() as cursor:
            for start in range(0, len(pks), per_statement):
                page = pks[start : start + per_statement]
                cursor.execute(
                    f"INSERT INTO {quote(history_table)} ({target}, {extra}) "
                    f"SELECT {target}, %s, %s, %s, %s FROM {quote(self.table)} "
                    f"WHERE {quote(self.pk_column)} IN ({', '.join(['%s'] * len(page))})",
                    [self._adapt_datetime(date), reason[:CHANGE_REASON_LENGTH] or None, history_type, user_id, *page],
                )


def _same(value: Any) -> Any:
    return value
