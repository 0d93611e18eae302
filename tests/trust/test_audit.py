"""The audit log: records chain and verify; altering, deleting, inserting or reordering rows
directly in the database is caught, and the first bad record is named. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from likeness.errors import ProvenanceError
from likeness.trust import keys
from likeness.trust.audit import GENESIS_HASH, open_audit, record_hash, trusted_audit_keys
from likeness.trust.consent import canonical
from likeness.trust.gate import authorize, record_output

N_RECORDS = 6


class Sqlite:
    """Raw access to the SQLite store, as someone editing the file around the library would."""

    table = "audit_log"

    def __init__(self, home: Path) -> None:
        self.url = str(home / "audit.sqlite")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        db = sqlite3.connect(self.url)
        try:
            rows = db.execute(sql.replace("%s", "?"), params).fetchall()
            db.commit()
            return rows
        finally:
            db.close()

    def disable_guards(self) -> None:
        self.execute("DROP TRIGGER audit_log_no_update")
        self.execute("DROP TRIGGER audit_log_no_delete")


class Postgres:
    """Raw access to the PostgreSQL store."""

    table = "likeness_audit_log"

    def __init__(self, url: str) -> None:
        self.url = url

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            cursor = db.execute(sql.replace("audit_log", self.table), params)
            return cursor.fetchall() if cursor.description else []

    def disable_guards(self) -> None:
        self.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, home: Path) -> Sqlite | Postgres:
    """An audit log holding N_RECORDS records, with raw access to its database."""
    if request.param == "sqlite":
        raw: Sqlite | Postgres = Sqlite(home)
    else:
        raw = Postgres(request.getfixturevalue("postgres_url"))
        raw.execute("DROP TABLE IF EXISTS audit_log")  # a fresh table per test
    key = keys.load_identity()
    with open_audit(raw.url) as log:
        for i in range(N_RECORDS):
            log.append(
                {
                    "kind": "render",
                    "context": "film-x",
                    "details": {"take": i},
                    "outputs": [{"name": f"take{i}.mp4", "sha256": f"{i:064x}"}],
                },
                key,
            )
    return raw


def verify(store: Sqlite | Postgres):
    with open_audit(store.url) as log:
        return log.verify(trusted_audit_keys())


def body_of(store: Sqlite | Postgres, seq: int) -> dict[str, Any]:
    return json.loads(store.execute("SELECT body FROM audit_log WHERE seq = %s", (seq,))[0][0])


def test_intact_log_verifies_and_chains(store):
    result = verify(store)
    assert result.ok and result.n_records == N_RECORDS
    bodies = [body_of(store, seq) for seq in range(1, N_RECORDS + 1)]
    assert bodies[0]["prev_hash"] == GENESIS_HASH
    for before, after in zip(bodies, bodies[1:], strict=False):
        assert after["prev_hash"] == record_hash(canonical(before).decode())
    assert [b["details"]["take"] for b in bodies] == list(range(N_RECORDS))


def test_the_store_refuses_update_and_delete(store):
    with pytest.raises(Exception, match="append-only"):
        store.execute("UPDATE audit_log SET signature = 'x' WHERE seq = 2")
    with pytest.raises(Exception, match="append-only"):
        store.execute("DELETE FROM audit_log WHERE seq = 2")
    assert verify(store).ok


def _alter(store):
    body = body_of(store, 3)
    body["context"] = "advertising"
    store.execute("UPDATE audit_log SET body = %s WHERE seq = 3", (canonical(body).decode(),))
    return 3


def _alter_and_rehash(store):
    body = body_of(store, 4)
    body["outputs"][0]["sha256"] = "f" * 64
    text = canonical(body).decode()
    store.execute(
        "UPDATE audit_log SET body = %s, record_hash = %s WHERE seq = 4", (text, record_hash(text))
    )
    return 4


def _delete(store):
    store.execute("DELETE FROM audit_log WHERE seq = 2")
    return 3


def _insert_forged(store):
    # A well-formed record appended by someone else: right seq, right link, wrong signer.
    last = store.execute("SELECT record_hash FROM audit_log WHERE seq = %s", (N_RECORDS,))[0][0]
    body = body_of(store, N_RECORDS) | {"seq": N_RECORDS + 1, "prev_hash": last}
    mallory = ed25519.Ed25519PrivateKey.generate()
    body["signer_key"] = keys.public_key_text(mallory)
    text = canonical(body).decode()
    store.execute(
        "INSERT INTO audit_log (seq, body, record_hash, signature) VALUES (%s, %s, %s, %s)",
        (N_RECORDS + 1, text, record_hash(text), keys.b64(mallory.sign(text.encode()))),
    )
    return N_RECORDS + 1


def _insert_between(store):
    # Renumber to make room, then slot a copy of record 2 in as record 3.
    for seq in range(N_RECORDS, 2, -1):
        store.execute("UPDATE audit_log SET seq = %s WHERE seq = %s", (seq + 1, seq))
    row = store.execute("SELECT body, record_hash, signature FROM audit_log WHERE seq = 2")[0]
    store.execute(
        "INSERT INTO audit_log (seq, body, record_hash, signature) VALUES (3, %s, %s, %s)", row
    )
    return 3


def _reorder(store):
    store.execute("UPDATE audit_log SET seq = 100 WHERE seq = 2")
    store.execute("UPDATE audit_log SET seq = 2 WHERE seq = 5")
    store.execute("UPDATE audit_log SET seq = 5 WHERE seq = 100")
    return 2


def _swap_contents(store):
    rows = {
        seq: store.execute(
            "SELECT body, record_hash, signature FROM audit_log WHERE seq = %s", (seq,)
        )[0]
        for seq in (3, 4)
    }
    for seq, other in ((3, 4), (4, 3)):
        store.execute(
            "UPDATE audit_log SET body = %s, record_hash = %s, signature = %s WHERE seq = %s",
            (*rows[other], seq),
        )
    return 3


TAMPERING: dict[str, Callable[[Any], int]] = {
    "alter": _alter,
    "alter-and-rehash": _alter_and_rehash,
    "delete": _delete,
    "insert-forged": _insert_forged,
    "insert-between": _insert_between,
    "reorder": _reorder,
    "swap-contents": _swap_contents,
}


@pytest.mark.parametrize("tamper", TAMPERING)
def test_tampering_is_caught_and_the_first_bad_record_named(store, tamper):
    assert verify(store).ok
    store.disable_guards()
    first_bad = TAMPERING[tamper](store)
    result = verify(store)
    assert not result.ok
    assert result.first_bad_seq == first_bad, result.problem
    assert result.problem


def test_record_output_through_the_gate(home, tmp_path):
    out, prompt = tmp_path / "out.mp4", b"say hello"
    out.write_bytes(b"\x00\x00\x00\x18ftypisom rendered bytes")
    auth = authorize("render", likeness_asset=None, grant=None, context=None)
    stored = record_output(auth, inputs=[prompt], outputs=[out], details={"fps": 30})
    body = json.loads(stored.body)
    assert body["seq"] == 1 and body["kind"] == "render" and body["details"] == {"fps": 30}
    assert body["outputs"] == [
        {"name": "out.mp4", "sha256": __import__("hashlib").sha256(out.read_bytes()).hexdigest()}
    ]
    assert body["subject"] == "likeness built-in synthetic avatar"
    with open_audit(None) as log:
        assert log.verify(trusted_audit_keys()).ok
        assert [r["seq"] for r in log.records()] == [1]


def test_bad_locations_and_missing_keys(tmp_path, monkeypatch):
    from likeness.errors import InputError

    with pytest.raises(InputError, match="postgresql://"):
        open_audit(tmp_path / "audit.txt")
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "empty"))
    with pytest.raises(ProvenanceError, match="trusted key"):
        trusted_audit_keys()
