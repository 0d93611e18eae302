"""Consent grants: a person's signed permission to animate their likeness in named contexts.

A grant is one JSON object::

    {
      "type": "likeness.consent/1",
      "grant_id": "<uuid4 hex>",
      "subject": "alice",                              # who the likeness belongs to
      "subject_key": "ed25519:...",                    # the subject's public key
      "likeness": {"sha256": "<hex>", "name": "alice.glb"},   # the asset, bound by content hash
      "contexts": ["film-x"],                          # uses the subject agreed to
      "outputs": ["render", "stream", "export"],       # output kinds allowed
      "issued": "2026-11-24T10:00:00Z",
      "expires": "2027-01-01T00:00:00Z",
      "delegation": null | {signed delegation, below},
      "signer_key": "ed25519:...",                     # subject_key, or the delegate's key
      "signature": "<base64url Ed25519 over the canonical JSON of every other field>"
    }

A **delegation** lets someone else (an agent, a studio) sign grants for the subject: it names the
delegate's key, the contexts it may grant and an expiry, and is signed by the subject's key.
Canonical JSON: keys sorted, no spaces, UTF-8. Verification here checks signatures and
structure; whether a grant fits a use (context, likeness, expiry, revocation) is :mod:`.gate`'s
job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from likeness import settings
from likeness.errors import ConsentError
from likeness.fileio import atomic_open
from likeness.trust.keys import b64, public_key_text, verify_signature

GRANT_TYPE = "likeness.consent/1"
DELEGATION_TYPE = "likeness.delegation/1"
OUTPUT_KINDS = ("render", "stream", "export")
GRANT_FIELDS = (
    "type",
    "grant_id",
    "subject",
    "subject_key",
    "likeness",
    "contexts",
    "outputs",
    "issued",
    "expires",
    "delegation",
    "signer_key",
    "signature",
)
DELEGATION_FIELDS = (
    "type",
    "subject",
    "subject_key",
    "delegate_key",
    "contexts",
    "expires",
    "signature",
)


class ConsentRefused(ConsentError):
    """A :class:`ConsentError` that says which check failed.

    ``reason`` is one of: ``missing``, ``malformed``, ``forged``, ``wrong-key``, ``expired``,
    ``revoked``, ``wrong-context``, ``wrong-likeness``, ``wrong-output``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"consent refused ({reason}): {message}")
        self.reason = reason


def canonical(obj: Any) -> bytes:
    """The bytes that are signed: JSON with sorted keys, no whitespace, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def utc_text(moment: dt.datetime) -> str:
    """ISO 8601 UTC with a Z, to the second."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> dt.datetime:
    """A timezone-aware datetime from ISO 8601 (a bare date means midnight UTC)."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _sign(body: dict[str, Any], key: ed25519.Ed25519PrivateKey) -> str:
    return b64(key.sign(canonical(body)))


def delegate(
    subject: str,
    subject_key: ed25519.Ed25519PrivateKey,
    delegate_key: str,
    *,
    contexts: list[str],
    expires: dt.datetime,
) -> dict[str, Any]:
    """A delegation, signed by the subject, letting ``delegate_key`` grant ``contexts``."""
    body = {
        "type": DELEGATION_TYPE,
        "subject": subject,
        "subject_key": public_key_text(subject_key),
        "delegate_key": delegate_key,
        "contexts": sorted(set(contexts)),
        "expires": utc_text(expires),
    }
    return {**body, "signature": _sign(body, subject_key)}


def make_grant(
    *,
    subject: str,
    likeness_asset: str | os.PathLike[str],
    contexts: list[str],
    expires: dt.datetime,
    signing_key: ed25519.Ed25519PrivateKey,
    outputs: tuple[str, ...] = OUTPUT_KINDS,
    delegation: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Create and sign a consent grant.

    Parameters
    ----------
    subject : str
        The person whose likeness it is.
    likeness_asset : path
        The asset (avatar, calibration, voice) the grant is for; bound by its SHA-256.
    contexts : list of str
        Uses the subject agrees to, e.g. ``["film-x"]``; at least one.
    expires : datetime
        When the grant stops being valid.
    signing_key : Ed25519PrivateKey
        The subject's key, or the delegate's key when ``delegation`` is given.
    outputs : tuple of str
        Output kinds allowed, from ``render``, ``stream``, ``export``.
    delegation : dict, optional
        A delegation from :func:`delegate` naming ``signing_key``.
    now : datetime, optional
        Issue time (default: now).

    Returns
    -------
    dict
        The signed grant.
    """
    now = now or dt.datetime.now(dt.UTC)
    if not contexts or any(not c for c in contexts):
        raise ConsentRefused(
            "malformed", f"a grant needs at least one non-empty context, got {contexts}"
        )
    unknown = sorted(set(outputs) - set(OUTPUT_KINDS))
    if unknown or not outputs:
        raise ConsentRefused(
            "malformed", f"outputs must be among {OUTPUT_KINDS}, got {list(outputs)}"
        )
    if expires <= now:
        raise ConsentRefused(
            "expired", f"expiry {utc_text(expires)} is not after now {utc_text(now)}"
        )
    signer = public_key_text(signing_key)
    subject_key = signer if delegation is None else delegation.get("subject_key")
    if delegation is not None and delegation.get("delegate_key") != signer:
        raise ConsentRefused("wrong-key", "the delegation does not name the signing key")
    body = {
        "type": GRANT_TYPE,
        "grant_id": uuid.uuid4().hex,
        "subject": subject,
        "subject_key": subject_key,
        "likeness": {"sha256": sha256_file(likeness_asset), "name": Path(likeness_asset).name},
        "contexts": sorted(set(contexts)),
        "outputs": sorted(set(outputs)),
        "issued": utc_text(now),
        "expires": utc_text(expires),
        "delegation": delegation,
        "signer_key": signer,
    }
    return {**body, "signature": _sign(body, signing_key)}


def write_grant(grant: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a grant as pretty JSON, atomically."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump(grant, handle, indent=2, sort_keys=True)
        handle.write("\n")


def grants_dir(home: Path | None = None) -> Path:
    """Where copies of the grants signed on this installation are kept (for ``consent list``)."""
    return (Path(home) if home is not None else settings.home()) / "grants"


def store_grant(grant: dict[str, Any], home: Path | None = None) -> Path:
    """Keep a copy of a grant signed here; returns its path."""
    folder = grants_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{grant['grant_id']}.json"
    write_grant(grant, path)
    return path


def read_grant(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a grant file and check its shape (not its meaning); ConsentRefused on failure."""
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except FileNotFoundError as e:
        raise ConsentRefused("missing", f"{p}: no such grant file") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConsentRefused("malformed", f"{p}: cannot read the grant: {e}") from e
    try:
        grant = json.loads(text)
    except ValueError as e:
        raise ConsentRefused("malformed", f"{p}: expected a JSON consent grant: {e}") from e
    check_shape(grant, str(p))
    return grant


def _require(obj: Any, fields: tuple[str, ...], kind: str, where: str) -> None:
    if not isinstance(obj, dict):
        raise ConsentRefused("malformed", f"{where}: expected a JSON object for the {kind}")
    missing = [f for f in fields if f not in obj]
    extra = sorted(set(obj) - set(fields))
    if missing or extra:
        raise ConsentRefused(
            "malformed", f"{where}: {kind} fields missing {missing}, unexpected {extra}"
        )


def check_shape(grant: Any, where: str) -> None:
    """Structure of a grant: its fields, types and time formats."""
    _require(grant, GRANT_FIELDS, "grant", where)
    if grant["type"] != GRANT_TYPE:
        raise ConsentRefused(
            "malformed", f"{where}: expected type {GRANT_TYPE!r}, got {grant['type']!r}"
        )
    texts = ("grant_id", "subject", "subject_key", "issued", "expires", "signer_key", "signature")
    if not all(isinstance(grant[f], str) and grant[f] for f in texts):
        raise ConsentRefused("malformed", f"{where}: {', '.join(texts)} must be non-empty strings")
    for field in ("contexts", "outputs"):
        if not isinstance(grant[field], list) or not all(isinstance(c, str) for c in grant[field]):
            raise ConsentRefused("malformed", f"{where}: {field} must be a list of strings")
    likeness = grant["likeness"]
    if not isinstance(likeness, dict) or not isinstance(likeness.get("sha256"), str):
        raise ConsentRefused("malformed", f"{where}: likeness must be an object with a sha256")
    try:
        parse_time(grant["issued"]), parse_time(grant["expires"])
    except ValueError as e:
        raise ConsentRefused(
            "malformed", f"{where}: issued/expires must be ISO 8601 times: {e}"
        ) from e
    if grant["delegation"] is not None:
        _require(grant["delegation"], DELEGATION_FIELDS, "delegation", where)


def verify_signatures(grant: dict[str, Any], where: str, *, now: dt.datetime) -> None:
    """Check the signature chain: the subject signed the grant, or a delegate the subject named.

    Raises ConsentRefused ``forged`` when a signature does not match its content and key, and
    ``wrong-key`` when a valid signature comes from a key with no authority for this subject.
    """
    body = {k: v for k, v in grant.items() if k != "signature"}
    if not verify_signature(grant["signer_key"], grant["signature"], canonical(body)):
        raise ConsentRefused(
            "forged", f"{where}: the signature does not match the grant's content and signer key"
        )
    delegation = grant["delegation"]
    if delegation is None:
        if grant["signer_key"] != grant["subject_key"]:
            raise ConsentRefused(
                "wrong-key",
                f"{where}: signed by {grant['signer_key']}, which is not the subject's "
                f"key {grant['subject_key']} and carries no delegation",
            )
        return
    dbody = {k: v for k, v in delegation.items() if k != "signature"}
    if not verify_signature(delegation["subject_key"], delegation["signature"], canonical(dbody)):
        raise ConsentRefused(
            "forged", f"{where}: the delegation's signature does not match its content"
        )
    if (
        delegation["subject_key"] != grant["subject_key"]
        or delegation["subject"] != grant["subject"]
    ):
        raise ConsentRefused("wrong-key", f"{where}: the delegation is from another subject")
    if delegation["delegate_key"] != grant["signer_key"]:
        raise ConsentRefused("wrong-key", f"{where}: the delegation names another delegate key")
    if not set(grant["contexts"]) <= set(delegation["contexts"]):
        raise ConsentRefused(
            "wrong-context",
            f"{where}: the delegate may grant {delegation['contexts']} only, "
            f"the grant names {grant['contexts']}",
        )
    if parse_time(delegation["expires"]) <= now:
        raise ConsentRefused(
            "expired", f"{where}: the delegation expired at {delegation['expires']}"
        )
