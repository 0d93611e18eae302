"""The audit log in a SQLite file (the default)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from likeness.errors import ProvenanceError
from likeness.trust.audit import AuditLog, StoredRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    record_hash TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class SqliteAuditLog(AuditLog):
    """Records in ``path`` (created with its folder if missing)."""

    def __init__(self, path: Path) -> None:
        self.location = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are opened explicitly where they are needed.
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.executescript(SCHEMA)
        except sqlite3.Error as e:
            raise ProvenanceError(f"{path}: cannot open the SQLite audit log: {e}") from e

    def _rows(self) -> Iterator[StoredRecord]:
        try:
            cursor = self._db.execute(
                "SELECT seq, body, record_hash, signature FROM audit_log ORDER BY seq"
            )
            for row in cursor:
                yield StoredRecord(*row)
        except sqlite3.Error as e:
            raise ProvenanceError(f"{self.location}: cannot read the audit log: {e}") from e

    def _append_locked(self, make: Any) -> StoredRecord:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                last = self._db.execute(
                    "SELECT seq, body, record_hash, signature FROM audit_log"
                    " ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                record = make(StoredRecord(*last) if last else None)
                self._db.execute(
                    "INSERT INTO audit_log (seq, body, record_hash, signature) VALUES (?, ?, ?, ?)",
                    (record.seq, record.body, record.record_hash, record.signature),
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            raise ProvenanceError(f"{self.location}: cannot append to the audit log: {e}") from e
        return record

    def close(self) -> None:
        self._db.close()
