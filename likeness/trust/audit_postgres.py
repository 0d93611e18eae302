"""The audit log in PostgreSQL, for teams sharing one log (``--audit postgresql://…``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from likeness.errors import InputError, ProvenanceError
from likeness.trust.audit import AuditLog, StoredRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS likeness_audit_log (
    seq BIGINT PRIMARY KEY,
    body TEXT NOT NULL,
    record_hash TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION likeness_audit_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS likeness_audit_no_change ON likeness_audit_log;
CREATE TRIGGER likeness_audit_no_change BEFORE UPDATE OR DELETE ON likeness_audit_log
    FOR EACH ROW EXECUTE FUNCTION likeness_audit_append_only();
DROP TRIGGER IF EXISTS likeness_audit_no_truncate ON likeness_audit_log;
CREATE TRIGGER likeness_audit_no_truncate BEFORE TRUNCATE ON likeness_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION likeness_audit_append_only();
"""
# Concurrent CREATE OR REPLACE of the same function/trigger can collide; one schema setup at a
# time per database.
SCHEMA_LOCK_ID = 0x11CE_A0D1


class PostgresAuditLog(AuditLog):
    """Records in table ``likeness_audit_log`` of the database at ``url``."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as e:
            raise InputError(
                "a PostgreSQL audit log needs psycopg: pip install 'psycopg[binary]==3.3.9'"
            ) from e
        self._psycopg = psycopg
        # Never echo a password into messages.
        self.location = url.split("@")[-1]
        try:
            self._db = psycopg.connect(url, autocommit=True)
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_ID,))
                self._db.execute(SCHEMA)
        except psycopg.Error as e:
            raise ProvenanceError(
                f"{self.location}: cannot open the PostgreSQL audit log: {e}"
            ) from e

    def _rows(self) -> Iterator[StoredRecord]:
        try:
            with self._db.cursor() as cursor:
                cursor.execute(
                    "SELECT seq, body, record_hash, signature FROM likeness_audit_log ORDER BY seq"
                )
                for row in cursor:
                    yield StoredRecord(*row)
        except self._psycopg.Error as e:
            raise ProvenanceError(f"{self.location}: cannot read the audit log: {e}") from e

    def _append_locked(self, make: Any) -> StoredRecord:
        try:
            with self._db.transaction():
                self._db.execute("LOCK TABLE likeness_audit_log IN SHARE ROW EXCLUSIVE MODE")
                last = self._db.execute(
                    "SELECT seq, body, record_hash, signature FROM likeness_audit_log "
                    "ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                record = make(StoredRecord(*last) if last else None)
                self._db.execute(
                    "INSERT INTO likeness_audit_log (seq, body, record_hash, signature) "
                    "VALUES (%s, %s, %s, %s)",
                    (record.seq, record.body, record.record_hash, record.signature),
                )
        except self._psycopg.Error as e:
            raise ProvenanceError(f"{self.location}: cannot append to the audit log: {e}") from e
        return record

    def close(self) -> None:
        self._db.close()
