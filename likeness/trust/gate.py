"""The consent gate every output path calls, and the audit record every output leaves.

A grant is checked once for a likeness and a use (:func:`permit`); each output then takes its
:class:`Authorization` from the :class:`Permission` without reading the grant again::

    permission = permit(likeness_asset=avatar_path, grant=grant_path, context="film-x")
    auth = permission.allow("render")
    ... produce the output ...
    record_output(auth, inputs=[audio_path], outputs=[video_path], details={"fps": 30})

:func:`authorize` does both for a single output. Outputs are produced through
:mod:`likeness.trust.guard`, which does all of this for them.
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


@dataclass(frozen=True)
class Permission:
    """What consent allows for one likeness and one use, as :func:`permit` established it.

    context: the use (None for the synthetic avatar without a grant).
    outputs: the output kinds the grant allows (every kind without a grant).
    likeness_asset, likeness_sha256: the asset the grant was checked against and the hash that
        names its likeness (None: no asset, the built-in synthetic avatar).
    granted_sha256: the likeness the grant names (None without a grant).
    grant_id, subject, expires, grant_sha256, grant_path: from the grant (None without one).
    """

    context: str | None
    outputs: tuple[str, ...] = OUTPUT_KINDS
    likeness_asset: Path | None = None
    likeness_sha256: str | None = None
    granted_sha256: str | None = None
    grant_id: str | None = None
    subject: str | None = None
    expires: str | None = None
    grant_sha256: str | None = None
    grant_path: Path | None = None

    def allow(self, output_kind: str, *, shows: str | None = None) -> Authorization:
        """The authorization of one output; nothing is read again.

        Parameters
        ----------
        output_kind : {'render', 'stream', 'export'}
        shows : str, optional
            The likeness the output shows, as the SHA-256 a grant names (an avatar's
            ``likeness_sha256``); None for the built-in synthetic avatar, or motion alone.

        Raises
        ------
        ConsentRefused
            ``wrong-output`` (the grant does not allow ``output_kind``), ``missing`` (``shows`` a
            real person without a grant) or ``wrong-likeness`` (the grant is for someone else).
        InputError
            ``output_kind`` is unknown.
        """
        if output_kind not in OUTPUT_KINDS:
            raise InputError(f"output kind must be one of {OUTPUT_KINDS}, got {output_kind!r}")
        where = str(self.grant_path)
        if output_kind not in self.outputs:
            raise ConsentRefused(
                "wrong-output",
                f"{where}: the grant allows {list(self.outputs)}, this output is {output_kind!r}",
            )
        if shows is not None and shows != self.granted_sha256:
            if self.grant_id is None:
                raise ConsentRefused(
                    "missing",
                    f"an avatar of likeness sha256 {shows}: output of a real person's likeness "
                    "needs a consent grant (--consent GRANT --context C)",
                )
            raise ConsentRefused(
                "wrong-likeness",
                f"{where}: the grant is for likeness sha256 {self.granted_sha256}, the avatar "
                f"shown has sha256 {shows}",
            )
        return Authorization(
            output_kind,
            self.context,
            synthetic=shows is None and self.likeness_asset is None,
            likeness_sha256=shows or self.likeness_sha256,
            grant_id=self.grant_id,
            subject=self.subject,
            expires=self.expires,
            grant_sha256=self.grant_sha256,
            grant_path=self.grant_path,
        )


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
    """Decide whether one output of a likeness may be produced; raise if not.

    :func:`permit` followed by :meth:`Permission.allow`; see them for the parameters and the
    reasons of a refusal.
    """
    if output_kind not in OUTPUT_KINDS:
        raise InputError(f"output kind must be one of {OUTPUT_KINDS}, got {output_kind!r}")
    return permit(
        likeness_asset=likeness_asset, grant=grant, context=context, home=home, now=now
    ).allow(output_kind)


def permit(
    *,
    likeness_asset: str | os.PathLike[str] | None,
    grant: str | os.PathLike[str] | None,
    context: str | None,
    home: Path | None = None,
    now: dt.datetime | None = None,
) -> Permission:
    """Check a consent grant once for a likeness and a use; raise if it does not cover them.

    Parameters
    ----------
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
    Permission
        Which output kinds may then be produced (:meth:`Permission.allow`).

    Raises
    ------
    ConsentRefused
        With ``reason`` ``missing``, ``malformed``, ``forged``, ``wrong-key``, ``expired``,
        ``revoked``, ``wrong-context`` or ``wrong-likeness``.
    InputError
        The likeness asset is missing.
    """
    now = now or dt.datetime.now(dt.UTC)
    asset = None if likeness_asset is None else existing_file(likeness_asset, "likeness asset")
    if grant is None:
        if asset is None:
            return Permission(context)
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
    asset_hash = None if asset is None else likeness_sha256(asset, home)
    granted = doc["likeness"]["sha256"]
    if asset_hash is not None and asset_hash != granted:
        raise ConsentRefused(
            "wrong-likeness",
            f"{where}: the grant is for likeness sha256 {granted}, {asset} has sha256 {asset_hash}",
        )
    return Permission(
        context,
        outputs=tuple(doc["outputs"]),
        likeness_asset=asset,
        likeness_sha256=asset_hash,
        granted_sha256=granted,
        grant_id=doc["grant_id"],
        subject=doc["subject"],
        expires=doc["expires"],
        grant_sha256=sha256_file(grant_path),
        grant_path=grant_path,
    )


def new_output_id() -> int:
    """A random 32-bit id for one output: carried by its watermark, named in its manifest."""
    return secrets.randbits(32)


Audited = str | os.PathLike[str] | bytes | tuple[str, Path]
"""What an audit record names: a file, raw bytes (e.g. a text prompt), or (name, file) for an
output still at its temporary path."""


def _digest(item: Audited, index: int) -> dict[str, str]:
    """Name and SHA-256 of an input or output."""
    if isinstance(item, bytes):
        return {"name": f"bytes[{index}]", "sha256": hashlib.sha256(item).hexdigest()}
    name, path = item if isinstance(item, tuple) else (None, existing_file(item, "audited file"))
    return {"name": name or path.name, "sha256": sha256_file(path)}


def record_output(
    authorization: Authorization,
    *,
    inputs: Sequence[Audited],
    outputs: Sequence[Audited],
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
    outputs : sequence of paths, bytes or (name, path)
        What was produced (files; bytes for streamed sessions, e.g. a session summary; a file
        still at its temporary path under the name it will have).
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
