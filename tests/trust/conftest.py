"""Fixtures for the trust tests: a state folder with keys, a likeness asset, grants, PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from likeness.trust import consent, keys

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh LIKENESS_HOME with keys; the identity is trusted as subject 'alice'."""
    state = tmp_path / "home"
    monkeypatch.setenv("LIKENESS_HOME", str(state))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)
    keys.init_keys(name="Alice", subject="alice")
    return state


@pytest.fixture
def alice_key(home: Path) -> ed25519.Ed25519PrivateKey:
    return keys.load_identity()


@pytest.fixture
def asset(tmp_path: Path) -> Path:
    """Alice's likeness: any file, bound by its bytes."""
    path = tmp_path / "alice.glb"
    path.write_bytes(b"glTF\x02\x00\x00\x00 alice's avatar " + bytes(range(256)))
    return path


@pytest.fixture
def make_grant(tmp_path: Path, asset: Path, alice_key: ed25519.Ed25519PrivateKey):
    """Write a grant signed by Alice (override any field of make_grant) and return its path."""

    def make(name: str = "grant.json", **overrides: object) -> Path:
        fields: dict[str, object] = dict(
            subject="alice",
            likeness_asset=asset,
            contexts=["film-x"],
            expires=NOW + dt.timedelta(days=30),
            signing_key=alice_key,
            now=NOW,
        )
        fields.update(overrides)
        path = tmp_path / name
        consent.write_grant(consent.make_grant(**fields), path)  # type: ignore[arg-type]
        return path

    return make


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on loopback, run as a non-root user.

    Where one cannot be started the tests fail, saying why; ``-m 'not postgres'`` leaves them out.
    """
    import psycopg  # noqa: F401  (a missing driver is a failure, not a skip)

    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.fail(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: run scripts/system-deps.sh"
        )
    prefix: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="likeness-pg-"))
    if os.geteuid() == 0:
        # The server refuses to run as root; use the account Debian's package created.
        runuser = shutil.which("runuser")
        try:
            import pwd

            account = pwd.getpwnam("postgres")
        except KeyError:
            account = None
        if runuser is None or account is None:
            shutil.rmtree(folder)
            pytest.fail("running as root without a 'postgres' account to start the server as")
        os.chown(folder, account.pw_uid, account.pw_gid)
        prefix = [runuser, "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    try:
        subprocess.run(
            [
                *prefix,
                initdb,
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *prefix,
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(folder / "log"),
                "-w",
                "-o",
                f"-h 127.0.0.1 -p {port} -k {folder}",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"could not start a throwaway PostgreSQL server: {e}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)
