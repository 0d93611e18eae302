"""Consent grants made in the tests: this installation's identity, registered as the subject,
signs for a likeness file (no real person's key, nothing downloaded)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from likeness.trust.consent import OUTPUT_KINDS


def grant(
    path: Path,
    asset: Path,
    *,
    subject: str = "alice",
    contexts: Sequence[str] = ("demo",),
    outputs: Sequence[str] = OUTPUT_KINDS,
    expires_in_days: float = 1.0,
    home: Path | None = None,
) -> Path:
    """Write to ``path`` a grant by ``subject`` for ``asset`` in ``contexts``, issued two days
    ago (so a negative ``expires_in_days`` makes an expired one); returns ``path``."""
    from likeness.trust import consent, keys
    from likeness.trust.guard import ensure_keys

    ensure_keys(home)
    key = keys.load_identity(home)
    keys.trust_subject(subject, keys.public_key_text(key), home=home)
    now = dt.datetime.now(dt.UTC)
    doc = consent.make_grant(subject=subject, likeness_asset=asset, contexts=list(contexts),
                             expires=now + dt.timedelta(days=expires_in_days), signing_key=key,
                             outputs=tuple(outputs), now=now - dt.timedelta(days=2))
    consent.write_grant(doc, path)
    return path
