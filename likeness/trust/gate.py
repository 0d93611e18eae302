"""The consent gate every output path calls, and the audit record every output leaves.

Usage, in a command that produces likeness output::

    auth = authorize("render", likeness_asset=avatar_path, grant=args.consent, context=args.context)
    ... produce the output ...
    record_output(auth, inputs=[audio_path], outputs=[video_path], details={"fps": 30})
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from likeness.errors import InputError
from likeness.fileio import existing_file
from likeness.trust.audit import StoredRecord, open_audit
from likeness.trust.binding import likeness_sha256
from likeness.trust.consent import (
    OUTPUT_KINDS,
    ConsentRefused,
    parse_time,
    read_grant,
    sha256_file,
    verify_signatures,
)
from likeness.trust.keys import load_identity, trusted_subjects
from likeness.trust.revocation import revocation_for

SYNTHETIC_AVATAR = "likeness built-in synthetic avatar"


@dataclass(frozen=True)
class Authorization:
    """Permission to produce one kind of output, as established by :func:`authorize`.

    output_kind: ``render``, ``stream`` or ``export``.
    context: the use, as named in the grant (None for the synthetic avatar without a grant).
    synthetic: True when the output shows the built-in synthetic avatar, not a real person.
    likeness_sha256: hash of the likeness asset (None for the synthetic avatar).
    grant_id, subject, expires: from the grant (None without one).
    grant_sha256: hash of the grant file's bytes, so provenance can reference exactly it.
    grant_path: the grant file (None without one).
    """

    output_kind: str
    context: str | None
    synthetic: bool
    likeness_sha256: str | None = None
    grant_id: str | None = None
    subject: str | None = None
    expires: str | None = None
    grant_sha256: str | None = None
    grant_path: Path | None = None


def subject_key_problem(subject: str, subject_key: str, *,
                        home: Path | None = None) -> str | None:
    """Why a grant for ``subject`` signed with ``subject_key`` is refused here as ``wrong-key``,
    with the step that makes it usable; None when the key is the one registered for the subject.
    """
    registered = trusted_subjects(home).get(subject)
    if registered == subject_key:
        return None
    problem = (
        f"no public key is registered for subject {subject!r} on this installation"
        if registered is None
        else f"subject {subject!r} is registered with key {registered}, the grant is for key "
        f"{subject_key}"
    )
    return (
        f"{problem}. If {subject_key} is {subject}'s own key, register it: "
        f"`likeness keys trust {subject} {subject_key}` (an installation that is {subject}'s "
        f"own is set up with `likeness keys init --subject {subject}` before granting)"
    )


def authorize(
    output_kind: str,
    *,
    likeness_asset: str | os.PathLike[str] | None,
    grant: str | os.PathLike[str] | None,
    context: str | None,
    home: Path | None = None,
    now: dt.datetime | None = None,
) -> Authorization:
    """Decide whether an output of a likeness may be produced; raise if not.

    Parameters
    ----------
    output_kind : {'render', 'stream', 'export'}
        What is about to be produced.
    likeness_asset : path or None
        The asset whose likeness is shown (avatar, calibration, voice); a twin GLB stands for
        the photo it was made from (:mod:`likeness.trust.binding`). None means the built-in
        synthetic avatar: no grant is needed, but a grant that is presented is still verified.
    grant : path or None
        The consent grant file (``--consent``).
    context : str or None
        The use (``--context``); must be one the grant names.
    home : Path, optional
        State folder with trusted subjects and revocations; default ``settings.home()``.
    now : datetime, optional
        The time to check expiry against (default: now).

    Returns
    -------
    Authorization

    Raises
    ------
    ConsentRefused
        With ``reason`` ``missing``, ``malformed``, ``forged``, ``wrong-key``, ``expired``,
        ``revoked``, ``wrong-context``, ``wrong-likeness`` or ``wrong-output``.
    InputError
        ``output_kind`` is unknown or the likeness asset is missing.
    """
    if output_kind not in OUTPUT_KINDS:
        raise InputError(f"output kind must be one of {OUTPUT_KINDS}, got {output_kind!r}")
    now = now or dt.datetime.now(dt.UTC)
    asset = None if likeness_asset is None else existing_file(likeness_asset, "likeness asset")
    if grant is None:
        if asset is None:
            return Authorization(output_kind, context, synthetic=True)
        raise ConsentRefused(
            "missing",
            f"{asset}: output of a real person's likeness needs a consent grant "
            "(--consent GRANT --context C)",
        )
    grant_path = Path(grant)
    doc = read_grant(grant_path)
    where = str(grant_path)
    verify_signatures(doc, where, now=now)
    problem = subject_key_problem(doc["subject"], doc["subject_key"], home=home)
    if problem is not None:
        raise ConsentRefused("wrong-key", f"{where}: {problem}")
    if parse_time(doc["expires"]) <= now:
        raise ConsentRefused("expired", f"{where}: the grant expired at {doc['expires']}")
    revoked = revocation_for(doc, home)
    if revoked is not None:
        raise ConsentRefused(
            "revoked",
            f"{where}: grant {doc['grant_id']} was revoked at {revoked['revoked_at']}"
            + (f" ({revoked['reason']})" if revoked["reason"] else ""),
        )
    if context is None or context not in doc["contexts"]:
        raise ConsentRefused(
            "wrong-context",
            f"{where}: the grant covers contexts {doc['contexts']}, this use is {context!r}",
        )
    if output_kind not in doc["outputs"]:
        raise ConsentRefused(
            "wrong-output",
            f"{where}: the grant allows {doc['outputs']}, this output is {output_kind!r}",
        )
    asset_hash = None if asset is None else likeness_sha256(asset, home)
    if asset_hash is not None and asset_hash != doc["likeness"]["sha256"]:
        raise ConsentRefused(
            "wrong-likeness",
            f"{where}: the grant is for likeness sha256 {doc['likeness']['sha256']}, "
            f"{asset} has sha256 {asset_hash}",
        )
    return Authorization(
        output_kind,
        context,
        synthetic=asset is None,
        likeness_sha256=asset_hash,
        grant_id=doc["grant_id"],
        subject=doc["subject"],
        expires=doc["expires"],
        grant_sha256=sha256_file(grant_path),
        grant_path=grant_path,
    )


def new_output_id() -> int:
    """A random 32-bit id for one output: carried by its watermark, named in its manifest."""
    return secrets.randbits(32)


def _digest(item: str | os.PathLike[str] | bytes, index: int) -> dict[str, str]:
    """Name and SHA-256 of an input or output: a file, or raw bytes (e.g. a text prompt)."""
    if isinstance(item, bytes):
        return {"name": f"bytes[{index}]", "sha256": hashlib.sha256(item).hexdigest()}
    path = existing_file(item, "audited file")
    return {"name": path.name, "sha256": sha256_file(path)}


def record_output(
    authorization: Authorization,
    *,
    inputs: Sequence[str | os.PathLike[str] | bytes],
    outputs: Sequence[str | os.PathLike[str] | bytes],
    details: dict[str, Any] | None = None,
    audit: str | Path | None = None,
    home: Path | None = None,
) -> StoredRecord:
    """Append a signed, chained audit record for an output that was produced.

    Parameters
    ----------
    authorization : Authorization
        From :func:`authorize` for this output.
    inputs : sequence of paths or bytes
        What drove it (audio, video, text...); recorded by SHA-256.
    outputs : sequence of paths or bytes
        What was produced (files; bytes for streamed sessions, e.g. a session summary).
    details : dict, optional
        Anything else worth keeping (frame count, fps, destination address); JSON-serializable.
    audit : str or Path, optional
        Audit log location (``postgresql://…`` or an SQLite path); default under ``home``.
    home : Path, optional
        State folder with the identity key; default ``settings.home()``.

    Returns
    -------
    StoredRecord
    """
    entry = {
        "kind": authorization.output_kind,
        "context": authorization.context,
        "grant_id": authorization.grant_id,
        "subject": authorization.subject or SYNTHETIC_AVATAR,
        "likeness_sha256": authorization.likeness_sha256,
        "inputs": [_digest(item, i) for i, item in enumerate(inputs)],
        "outputs": [_digest(item, i) for i, item in enumerate(outputs)],
        "details": details or {},
    }
    key = load_identity(home)
    with open_audit(audit, home=home) as log:
        return log.append(entry, key)
