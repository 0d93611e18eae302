"""The audit log: an append-only, hash-chained, signed record of every likeness output.

Each record is one canonical-JSON *body*::

    {"seq": 7, "prev_hash": "<record_hash of seq 6, or 64 zeros>", "time": "...Z",
     "kind": "render", "context": "film-x", "grant_id": "...", "subject": "alice",
     "likeness_sha256": "...", "inputs": [{"name": "take1.wav", "sha256": "..."}],
     "outputs": [{"name": "out.mp4", "sha256": "..."}], "details": {...},
     "signer_key": "ed25519:..."}

stored with ``record_hash = sha256(body)`` and an Ed25519 ``signature`` of the body by the
installation's identity key. :meth:`AuditLog.verify` walks the records in ``seq`` order and
reports the first one whose position, link, hash or signature does not check out, so an altered,
deleted, inserted or reordered record is caught and named. The store itself refuses UPDATE and
DELETE (triggers), so only someone editing the database around the library can change history,
and that is what verification detects.

Backends: SQLite (default, ``settings.home()/audit.sqlite``) and PostgreSQL by URL
(``postgresql://…``, needs ``psycopg``).
"""

from __future__ import annotations

import abc
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from likeness import settings
from likeness.errors import InputError, ProvenanceError
from likeness.trust.consent import canonical, utc_text
from likeness.trust.keys import b64, public_key_text, verify_signature

GENESIS_HASH = "0" * 64
BODY_FIELDS = (
    "seq",
    "prev_hash",
    "time",
    "kind",
    "context",
    "grant_id",
    "subject",
    "likeness_sha256",
    "inputs",
    "outputs",
    "details",
    "signer_key",
)


@dataclass(frozen=True)
class StoredRecord:
    """One row as stored: its position, canonical body text, hash and signature."""

    seq: int
    body: str
    record_hash: str
    signature: str

    def parsed(self) -> dict[str, Any]:
        """The body as a dict (ValueError if it is not JSON)."""
        return json.loads(self.body)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :meth:`AuditLog.verify`.

    ok: every record checked out.
    n_records: records read.
    first_bad_seq: the seq (row position) of the first bad record, or None.
    problem: what was wrong with it, or "".
    head_hash: record_hash of the last good record (the chain's head): note it elsewhere, and a
        later truncation of the log's tail shows as a head that no longer matches.
    """

    ok: bool
    n_records: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_hash: str = GENESIS_HASH


def record_hash(body_text: str) -> str:
    """Hex SHA-256 of a body's canonical text."""
    return hashlib.sha256(body_text.encode("utf-8")).hexdigest()


class AuditLog(abc.ABC):
    """An append-only store of signed, chained records. Use as a context manager."""

    location: str

    @abc.abstractmethod
    def _rows(self) -> Iterator[StoredRecord]:
        """All rows in ascending seq order."""

    @abc.abstractmethod
    def _append_locked(self, make: Any) -> StoredRecord:
        """In one exclusive transaction: read the last row, insert ``make(last)``."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(
        self,
        entry: dict[str, Any],
        key: ed25519.Ed25519PrivateKey,
        *,
        now: dt.datetime | None = None,
    ) -> StoredRecord:
        """Append a record for ``entry`` (body fields but seq, prev_hash, time, signer_key)."""
        unknown = sorted(set(entry) - set(BODY_FIELDS))
        if unknown:
            raise InputError(
                f"audit record: unknown fields {unknown}; expected among {list(BODY_FIELDS)}"
            )
        moment = utc_text(now or dt.datetime.now(dt.UTC))

        def make(last: StoredRecord | None) -> StoredRecord:
            seq = 1 if last is None else last.seq + 1
            body = (
                {field: None for field in BODY_FIELDS}
                | entry
                | {
                    "seq": seq,
                    "prev_hash": GENESIS_HASH if last is None else last.record_hash,
                    "time": moment,
                    "signer_key": public_key_text(key),
                }
            )
            text = canonical(body).decode("utf-8")
            return StoredRecord(seq, text, record_hash(text), b64(key.sign(text.encode("utf-8"))))

        return self._append_locked(make)

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record body, in order (unverified: call :meth:`verify` to trust them)."""
        for row in self._rows():
            yield row.parsed()

    def verify(self, trusted_keys: set[str]) -> VerifyResult:
        """Check order, chain, hashes and signatures; name the first record that fails.

        Parameters
        ----------
        trusted_keys : set of str
            Public keys (``ed25519:...``) allowed to sign records.
        """
        previous_hash, n = GENESIS_HASH, 0
        for n, row in enumerate(self._rows(), start=1):
            problem = _check(row, n, previous_hash, trusted_keys)
            if problem:
                return VerifyResult(False, n, row.seq, problem, previous_hash)
            previous_hash = row.record_hash
        return VerifyResult(True, n, head_hash=previous_hash)


def _check(row: StoredRecord, expected_seq: int, previous_hash: str, trusted_keys: set[str]) -> str:
    """What is wrong with ``row`` at position ``expected_seq``, or ""."""
    if row.seq != expected_seq:
        return (
            f"expected record {expected_seq} next, found {row.seq}: "
            f"a record was deleted or inserted before it"
        )
    try:
        body = row.parsed()
    except ValueError:
        return "body is not JSON: altered"
    if not isinstance(body, dict) or sorted(body) != sorted(BODY_FIELDS):
        return "body fields are not the audit record's: altered"
    if canonical(body).decode("utf-8") != row.body or record_hash(row.body) != row.record_hash:
        return "content does not match its hash: altered"
    if body["seq"] != row.seq:
        return f"body says seq {body['seq']} but is stored at {row.seq}: reordered"
    if body["prev_hash"] != previous_hash:
        return "does not link to the record before it: a record was inserted, deleted or reordered"
    if body["signer_key"] not in trusted_keys:
        return f"signed by an untrusted key {body['signer_key']}: inserted"
    if not verify_signature(body["signer_key"], row.signature, row.body.encode("utf-8")):
        return "signature does not match: forged or altered"
    return ""


def default_audit_url(home: Path | None = None) -> str:
    """``LIKENESS_AUDIT`` if set, else the SQLite file under the state folder."""
    configured = settings.env("AUDIT")
    if configured:
        return configured
    return str((Path(home) if home is not None else settings.home()) / "audit.sqlite")


def open_audit(url: str | Path | None = None, *, home: Path | None = None) -> AuditLog:
    """Open (creating if needed) the audit log at ``url``.

    Parameters
    ----------
    url : str or Path, optional
        ``postgresql://…`` / ``postgres://…`` for PostgreSQL; a file path or ``sqlite:///path``
        for SQLite; default :func:`default_audit_url`.
    """
    target = str(url) if url is not None else default_audit_url(home)
    if target.startswith(("postgresql://", "postgres://")):
        from likeness.trust.audit_postgres import PostgresAuditLog

        return PostgresAuditLog(target)
    from likeness.trust.audit_sqlite import SqliteAuditLog

    path = Path(target.removeprefix("sqlite:///"))
    if path.suffix.lower() not in (".sqlite", ".sqlite3", ".db"):
        raise InputError(f"{target}: expected a postgresql:// URL or an .sqlite/.db file path")
    return SqliteAuditLog(path)


def trusted_audit_keys(home: Path | None = None, extra: tuple[str, ...] = ()) -> set[str]:
    """This installation's identity key plus ``extra`` keys (e.g. teammates on a shared log)."""
    from likeness.trust.keys import load_identity

    try:
        own = {public_key_text(load_identity(home))}
    except InputError as e:
        raise ProvenanceError(f"cannot verify the audit log without a trusted key: {e}") from e
    return own | set(extra)
