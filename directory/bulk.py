"""Writing many rows at once: COPY on PostgreSQL, batched `executemany` elsewhere.

Rows are plain tuples in the order of the columns given for their table; each table keeps a
bounded buffer, sent as one `COPY … FROM STDIN` (psycopg 3) or one `executemany` when full, so
that memory stays flat whatever the number of rows. Nothing here bypasses the database's rules:
constraints, foreign keys (checked at commit, as Django declares them deferred) and triggers all
apply — the per-row search trigger of actors and any statement trigger fire on COPY too.

Primary keys are handed out before the rows are written (so that rows can point to each other):
`IdRange` counts from the table's largest key, for a writer that locks the tables (`generate_fake`);
`SequenceIds` draws them from the table's own sequence, a block per query, for a writer that runs
while the site is live (`directory.imports`).

`deferred_search_indexes` drops the GIN and GiST indexes of the tables written (costly to keep up
row by row) and builds them again from their own definitions once the rows are in; both happen in
the caller's transaction, so an error or an interruption rolls the drop back with the rows.
"""

import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connections, models, transaction

from ess_portal import dataversion

BATCH_SIZE = 5_000


class BulkWriter:
    """Buffers rows per table and writes them in batches; `close()` (or the `with` block) writes the rest.

    On PostgreSQL the batches are sent by a second thread, on the same connection and so in the same
    transaction, while the caller draws the next rows: the database computes (search vectors,
    indexes) while Python generates. At most `QUEUED_BATCHES` batches wait, which bounds memory.
    Leaving the `with` block on an error stops the thread before the transaction is rolled back.
    """

    QUEUED_BATCHES = 4

    def __init__(self, *, using: str = "default", batch_size: int = BATCH_SIZE):
        self.connection = connections[using]
        self.batch_size = batch_size
        self.postgresql = self.connection.vendor == "postgresql"
        self._buffers: dict[tuple[str, tuple[str, ...]], list[tuple]] = {}
        self._statements: dict[tuple[str, tuple[str, ...]], str] = {}
        self.counts: dict[str, int] = {}
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def __enter__(self) -> "BulkWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._stop(drop=True)

    def add(self, model: type[models.Model], columns: Sequence[str], row: tuple) -> None:
        """Queue one row of `model`'s table (values in the order of `columns`, the fields' attnames)."""
        key = (model._meta.db_table, tuple(columns))
        buffer = self._buffers.get(key)
        if buffer is None:
            buffer = self._buffers[key] = []
            self._statements[key] = self._statement(*key)
        buffer.append(row)
        if len(buffer) >= self.batch_size:
            self._flush(key)

    def add_many(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> None:
        for row in rows:
            self.add(model, columns, row)

    def close(self) -> None:
        """Write every buffered row and wait until the database has them all."""
        self.flush()
        self._stop(drop=False)

    def flush(self) -> None:
        """Send every buffered row to the database (on PostgreSQL, queue it for the thread: no waiting)."""
        for key in list(self._buffers):
            self._flush(key)

    def sync(self) -> None:
        """Send every buffered row and wait until the database has them: queries from here on see them.

        Raises what the database refused (as Django's `DatabaseError`s), whichever batch it was.
        """
        self.flush()
        if self._queue is not None:
            self._queue.join()
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            with self.connection.wrap_database_errors:
                raise failure

    def _statement(self, table: str, columns: tuple[str, ...]) -> str:
        quote = self.connection.ops.quote_name
        names = ", ".join(quote(column) for column in columns)
        if self.postgresql:
            return f"COPY {quote(table)} ({names}) FROM STDIN"
        placeholders = ", ".join(["%s"] * len(columns))
        return f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders})"

    def _flush(self, key: tuple[str, tuple[str, ...]]) -> None:
        rows = self._buffers[key]
        if not rows:
            return
        self._buffers[key] = []
        self.counts[key[0]] = self.counts.get(key[0], 0) + len(rows)
        if not self.postgresql:
            with self.connection.cursor() as cursor:
                cursor.executemany(self._statements[key], rows)
            return
        self._raise_failure()
        if self._thread is None:
            self.connection.ensure_connection()
            # COPY goes round Django's cursors, whose wrapper advances the data version after the commit.
            alias = self.connection.alias
            if self.connection.in_atomic_block:
                transaction.on_commit(lambda: dataversion.bump(alias), using=alias, robust=True)
            self._queue = queue.Queue(maxsize=self.QUEUED_BATCHES)
            self._thread = threading.Thread(target=self._copy_batches, args=(self.connection.connection,), daemon=True)
            self._thread.start()
        self._queue.put((self._statements[key], rows))

    def _copy_batches(self, raw_connection) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._failure is None:
                    statement, rows = item
                    with raw_connection.cursor() as cursor, cursor.copy(statement) as copy:
                        for row in rows:
                            copy.write_row(row)
            except BaseException as exc:  # reported to the caller's thread at its next batch or at close()
                self._failure = exc
            finally:
                self._queue.task_done()

    def _stop(self, *, drop: bool) -> None:
        if self._thread is not None:
            if drop:
                self._failure = self._failure or RuntimeError("interrupted")
            self._queue.put(None)
            self._thread.join()
            self._thread = self._queue = None
            if not drop and not self.connection.in_atomic_block:
                dataversion.bump(self.connection.alias)
        if drop:
            self._failure = None
        else:
            self._raise_failure()


class IdRange:
    """Primary keys handed out in advance, so that rows can point to each other before they are written.

    Starts after the table's largest key: the caller holds a lock that keeps other writers out
    (`lock_tables`) and resets the sequences afterwards (`reset_sequences`).
    """

    def __init__(self, model: type[models.Model], *, using: str = "default"):
        aggregate = model._default_manager.using(using).aggregate(top=models.Max("pk"))["top"]
        self.next = (aggregate or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


class SequenceIds:
    """Primary keys drawn from the table's own sequence, one query per block: no lock, other writers go on.

    `reserve(n)` draws at least `n` keys in one query; `take()` hands them out in turn (and draws a
    block of `block` when none is left). On SQLite, which has no sequence and one writer at a time, the
    keys follow the table's largest key and its AUTOINCREMENT counter (read in the writer's transaction).
    """

    def __init__(self, model: type[models.Model], *, using: str = "default", block: int = 500):
        self.connection = connections[using]
        self.table = model._meta.db_table
        self.column = model._meta.pk.column
        self.block = block
        self.available: list[int] = []
        self.position = 0
        self.sqlite_next = 0

    def reserve(self, n: int) -> None:
        missing = n - (len(self.available) - self.position)
        if missing <= 0:
            return
        self.available = self.available[self.position :] + self._draw(missing)
        self.position = 0

    def take(self) -> int:
        if self.position >= len(self.available):
            self.reserve(self.block)
        value = self.available[self.position]
        self.position += 1
        return value

    def _draw(self, n: int) -> list[int]:
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [quote(self.table), self.column, n],
                )
                return sorted(row[0] for row in cursor.fetchall())
            cursor.execute(
                f"SELECT MAX({quote(self.column)}), (SELECT seq FROM sqlite_sequence WHERE name = %s) "
                f"FROM {quote(self.table)}",
                [self.table],
            )
            top, counter = cursor.fetchone()
        start = max(self.sqlite_next, (top or 0) + 1, (counter or 0) + 1)
        self.sqlite_next = start + n
        return list(range(start, start + n))


def lock_tables(models_: Iterable[type[models.Model]], *, using: str = "default") -> None:
    """On PostgreSQL, keep other writers out of these tables until the transaction ends (reads go on)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models_)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


def reset_sequences(models_: Iterable[type[models.Model]], *, using: str = "default") -> None:
    """Move the primary-key sequences past the keys written explicitly (nothing to do on SQLite)."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


@contextmanager
def deferred_search_indexes(tables: Iterable[str], *, using: str = "default") -> Iterator[list[str]]:
    """Drop the GIN/GiST indexes of `tables` for the block, then build them again as they were defined.

    Must run inside a transaction (PostgreSQL's DDL is transactional: a failure leaves the schema
    untouched). Indexes that back a constraint are kept. Yields the names of the indexes set aside;
    does nothing on other databases.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield []
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.schemaname, i.indexname, i.indexdef FROM pg_indexes i
            JOIN pg_class c ON c.relname = i.indexname
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND i.indexdef ~ ' USING (gin|gist) '
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
            ORDER BY i.indexname
            """,
            [list(tables)],
        )
        indexes = cursor.fetchall()
        for schema, name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(schema)}.{connection.ops.quote_name(name)}")
    yield [name for _schema, name, _definition in indexes]
    check_foreign_keys(using=using)
    with connection.cursor() as cursor:
        # Building a GIN index is several times faster with room to sort in; for this transaction only.
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _schema, _name, definition in indexes:
            cursor.execute(definition)


def check_foreign_keys(*, using: str = "default") -> None:
    """Run now the foreign-key checks PostgreSQL deferred to the commit (Django declares them deferred).

    A table with checks pending cannot be indexed; running them at a known moment also shows their cost.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def analyze(tables: Iterable[str], *, using: str = "default") -> None:
    """Refresh the planner's statistics of `tables` (ANALYZE on PostgreSQL and SQLite)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


class HistoryStamp:
    """What the creation record of each row written in bulk says (django-simple-history's « + » record)."""

    def __init__(self, *, reason: str, source: str, detail: str, user_id: int | None = None):
        self.values = {
            "history_type": "+",
            "history_change_reason": reason,
            "history_user_id": user_id,
            "history_source": source,
            "history_source_detail": detail,
            "history_batch": None,
        }


class ModelRows:
    """Rows of one model for a `BulkWriter`: its table, its many-to-many links and their history.

    `write(values, m2m=…, history_date=…)` takes the field values by attname (a missing one gets
    the field's default), gives the row a primary key if it has none, queues it with one row per
    many-to-many link, and — when the model keeps a history and a `HistoryStamp` is given — its
    creation record with the links that record tracks, as `directory.reference.create_with_history`
    leaves them. Returns the row's primary key.

    `ids`: how primary keys are handed out, `IdRange` (tables locked) or `SequenceIds` (see `reserve`).
    """

    def __init__(
        self,
        writer: BulkWriter,
        model: type[models.Model],
        *,
        stamp: HistoryStamp | None = None,
        ids: type[IdRange] | type[SequenceIds] = IdRange,
    ):
        from simple_history.models import HistoricalRecords

        self.writer, self.model = writer, model
        using = writer.connection.alias
        fields = model._meta.concrete_fields
        self.columns = [field.attname for field in fields]
        # Django's defaults: the field's own, else "" for a text and None for the rest.
        self.defaults = {field.attname: field.get_default() for field in fields if not field.primary_key}
        self.ids = ids(model, using=using)
        self.prepared = self._preparers(model)
        self.links: dict[str, tuple] = {}
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            self.links[field.name] = (
                through,
                [f.attname for f in through._meta.concrete_fields],
                # A link model's other columns (a participant's kind…) get their defaults.
                {f.attname: f.get_default() for f in through._meta.concrete_fields if not f.primary_key},
                field.m2m_field_name() + "_id",
                field.m2m_reverse_field_name() + "_id",
                ids(through, using=using),
            )
        manager = getattr(model, "history", None) if stamp is not None else None
        self.history_model = manager.model if manager is not None else None
        self.stamp = stamp
        self.history_m2m: dict[str, tuple] = {}
        if self.history_model is not None:
            self.history_columns = [f.attname for f in self.history_model._meta.concrete_fields]
            self.history_prepared = self._preparers(self.history_model)
            self.history_ids = ids(self.history_model, using=using)
            for field in getattr(self.history_model, "_history_m2m_fields", []):
                m2m_model = HistoricalRecords.m2m_models[field]
                columns = [f.attname for f in m2m_model._meta.concrete_fields if not f.primary_key]
                self.history_m2m[field.name] = (m2m_model, columns)

    def reserve(self, count: int, *, links: dict[str, int] | None = None) -> None:
        """With `SequenceIds`: draw now the keys of `count` rows and of their links (a query per table).

        On PostgreSQL a `BulkWriter` copies on the connection from another thread: drawing every key
        before the rows are queued keeps the writer's queries together, ahead of its COPYs.
        """
        self.ids.reserve(count)
        if self.history_model is not None:
            self.history_ids.reserve(count)
        for name, n in (links or {}).items():
            if n:
                self.links[name][5].reserve(n)

    def _preparers(self, model: type[models.Model]) -> list[tuple[int, models.Field]]:
        """The columns whose values the database driver cannot take as they are: JSON; on SQLite, dates and
        decimals too (as Django's own writes prepare them)."""
        kinds = {"JSONField"} if self.writer.postgresql else {"JSONField", "DateTimeField", "DateField", "DecimalField"}
        return [
            (position, field)
            for position, field in enumerate(model._meta.concrete_fields)
            if field.get_internal_type() in kinds
        ]

    def _row(self, values: list, prepared: list[tuple[int, models.Field]]) -> tuple:
        connection = self.writer.connection
        for position, field in prepared:
            values[position] = field.get_db_prep_save(values[position], connection)
        return tuple(values)

    @property
    def models(self) -> list[type[models.Model]]:
        """Every model whose table this writes (for locks, sequences and statistics)."""
        written = [self.model, *(through for through, *_rest in self.links.values())]
        if self.history_model is not None:
            written += [self.history_model, *(m2m_model for m2m_model, _columns in self.history_m2m.values())]
        return written

    def write(self, values: dict, *, m2m: dict[str, Iterable[int]] | None = None, history_date=None) -> int:
        row = {**self.defaults, **values}
        if row.get("id") is None:
            row["id"] = self.ids.take()
        pk = row["id"]
        self.writer.add(self.model, self.columns, self._row([row[column] for column in self.columns], self.prepared))
        links: dict[str, list[dict]] = {}
        for name, targets in (m2m or {}).items():
            through, columns, defaults, source, target, ids = self.links[name]
            rows = links[name] = []
            for target_id in dict.fromkeys(targets):
                link = {**defaults, "id": ids.take(), source: pk, target: target_id}
                rows.append(link)
                self.writer.add(through, columns, tuple(link[column] for column in columns))
        if self.history_model is not None:
            history_id = self.history_ids.take()
            record = {**row, **self.stamp.values, "history_id": history_id, "history_date": history_date}
            self.writer.add(
                self.history_model,
                self.history_columns,
                self._row([record.get(column) for column in self.history_columns], self.history_prepared),
            )
            for name, (m2m_model, columns) in self.history_m2m.items():
                for link in links.get(name, ()):
                    copied = {**link, "history_id": history_id}
                    self.writer.add(m2m_model, columns, tuple(copied[column] for column in columns))
        return pk
