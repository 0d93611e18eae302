"""The revocation list: grants their subjects (or delegates) have withdrawn.

``settings.home()/revocations.json`` holds ``{"type": "likeness.revocations/1", "entries": [...]}``.
Each entry names a grant and is signed by a key with authority over it — the grant's subject key
or the key that signed the grant::

    {"grant_id": "...", "revoked_at": "...Z", "reason": "...",
     "signer_key": "ed25519:...", "signature": "<over the canonical entry without signature>"}

An entry whose signature does not verify makes the whole list untrustworthy: checks then fail
closed (the grant is refused) rather than silently ignoring a revocation.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from likeness import settings
from likeness.errors import InputError
from likeness.fileio import atomic_open
from likeness.trust.consent import ConsentRefused, canonical, utc_text
from likeness.trust.keys import b64, public_key_text, verify_signature

LIST_TYPE = "likeness.revocations/1"
ENTRY_FIELDS = ("grant_id", "revoked_at", "reason", "signer_key", "signature")


def revocations_path(home: Path | None = None) -> Path:
    """Where the revocation list lives."""
    return (Path(home) if home is not None else settings.home()) / "revocations.json"


def read_revocations(home: Path | None = None) -> list[dict[str, Any]]:
    """All entries, each signature checked; ConsentRefused ``malformed`` if the list is damaged."""
    path = revocations_path(home)
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise ConsentRefused("malformed", f"{path}: expected a JSON revocation list: {e}") from e
    if (
        not isinstance(data, dict)
        or data.get("type") != LIST_TYPE
        or not isinstance(data.get("entries"), list)
    ):
        raise ConsentRefused(
            "malformed", f"{path}: expected {{'type': {LIST_TYPE!r}, 'entries': [...]}}"
        )
    for i, entry in enumerate(data["entries"]):
        if not isinstance(entry, dict) or sorted(entry) != sorted(ENTRY_FIELDS):
            raise ConsentRefused(
                "malformed", f"{path}: entry {i} must have fields {list(ENTRY_FIELDS)}"
            )
        body = {k: v for k, v in entry.items() if k != "signature"}
        if not verify_signature(entry["signer_key"], entry["signature"], canonical(body)):
            raise ConsentRefused(
                "forged", f"{path}: entry {i} (grant {entry['grant_id']}) has a bad signature"
            )
    return data["entries"]


def revocation_for(grant: dict[str, Any], home: Path | None = None) -> dict[str, Any] | None:
    """The entry revoking ``grant``, if one was signed by a key with authority over it."""
    authority = {grant["subject_key"], grant["signer_key"]}
    for entry in read_revocations(home):
        if entry["grant_id"] == grant["grant_id"] and entry["signer_key"] in authority:
            return entry
    return None


def revoke(
    grant: dict[str, Any],
    key: ed25519.Ed25519PrivateKey,
    *,
    reason: str = "",
    home: Path | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Append a signed revocation of ``grant`` to the list; returns the new entry.

    ``key`` must be the grant's subject key or the key that signed it.
    """
    signer = public_key_text(key)
    if signer not in (grant["subject_key"], grant["signer_key"]):
        raise InputError(
            f"only the subject ({grant['subject_key']}) or the grant's signer may revoke grant "
            f"{grant['grant_id']}; this key is {signer}"
        )
    entries = read_revocations(home)
    body = {
        "grant_id": grant["grant_id"],
        "revoked_at": utc_text(now or dt.datetime.now(dt.UTC)),
        "reason": reason,
        "signer_key": signer,
    }
    entry = {**body, "signature": b64(key.sign(canonical(body)))}
    path = revocations_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump(
            {"type": LIST_TYPE, "entries": [*entries, entry]}, handle, indent=2, sort_keys=True
        )
        handle.write("\n")
    return entry
