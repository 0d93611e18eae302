"""The one guard every output of a likeness goes through: consent checked once, then for each
output a watermark while it is made, a C2PA manifest and an audit record once it exists, and
nothing left behind if any step fails.

Make one guard for a likeness and a use, and hand it to every output function::

    from likeness import trust

    guard = trust.output_guard("alice.glb", grant="grant.json", context="film-x")
    render_video(take, "shot.mp4", guard=guard, avatar=read_glb("alice.glb"))
    write_animation(take, "shot.csv", guard=guard)
    with open_sinks(["livelink://10.0.0.5"], guard=guard) as sinks:
        ...

``trust.output_guard()``, without a likeness or a grant, is the built-in synthetic avatar's:
nothing to consent to, but its outputs are signed and recorded all the same. The functions that
produce output take the guard as a required keyword (:func:`likeness.render.video.render_video`,
:func:`likeness.render.sheet.contact_sheet`, :func:`likeness.formats.write_animation`,
:func:`likeness.avatar.gltf.write_glb`, :func:`likeness.sinks.open_sinks`, the server's
sessions) and produce through :meth:`OutputGuard.output`::

    output = guard.output("render", ingredients=[audio], shows=avatar.likeness_sha256)
    with output.writing(path) as tmp:       # tmp is beside path; renamed onto it at the end
        ... write tmp, each video frame through output.frame_hook(tmp) ...
    # signed (MP4, PNG, JPEG) and recorded before the rename: no file without its record

A stream records itself when it ends: ``output.record([summary_bytes], details=...)``.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from likeness.fileio import atomic_output
from likeness.trust.gate import (
    Audited,
    Authorization,
    Permission,
    new_output_id,
    permit,
    record_output,
)
from likeness.trust.keys import init_keys, key_paths
from likeness.trust.provenance import MEDIA_SUFFIXES, sign_media

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

FrameHook = Callable[["np.ndarray", int], "np.ndarray"]
Ingredient = str | os.PathLike[str] | bytes

WATERMARKED_SUFFIXES = (".mp4", ".gif")
"""Outputs whose frames carry the watermark (a still is marked by its C2PA manifest alone)."""


def ensure_keys(home: Path | None = None) -> None:
    """Create this installation's signing keys on first use, so every output can be signed."""
    if key_paths(home).identity_key.exists():
        return
    paths = init_keys(name=f"likeness ({getpass.getuser()})", home=home)
    log.warning("created this installation's signing keys in %s (likeness keys init)", paths.keys)


@dataclass(frozen=True)
class GuardedOutput:
    """One output that consent allowed; see the module docstring.

    authorization: what the guard's permission allowed for it.
    output_id: the 32-bit id the watermark and the manifest carry.
    ingredients: inputs that drove the output (paths, or bytes such as a text prompt).
    audit: audit log location (None: the default under ``settings.home()``).
    home: state folder with the keys (None: ``settings.home()``).
    """

    authorization: Authorization
    output_id: int
    ingredients: tuple[Ingredient, ...] = ()
    audit: str | None = None
    home: Path | None = None

    def frame_hook(self, path: str | os.PathLike[str]) -> FrameHook | None:
        """The per-frame watermark for a video written to ``path`` (None for other files)."""
        if Path(path).suffix.lower() not in WATERMARKED_SUFFIXES:
            return None
        from likeness.trust.watermark import Embedder

        embedder = Embedder(self.output_id)
        return lambda rgb, index: embedder(rgb)

    @contextlib.contextmanager
    def writing(
        self, path: str | os.PathLike[str], details: dict[str, Any] | None = None
    ) -> Iterator[Path]:
        """A temporary path to write ``path`` to. When the block succeeds the file is signed
        (MP4, PNG, JPEG), recorded with ``details``, then renamed onto ``path``; when any step
        fails nothing is left."""
        target = Path(path)
        with atomic_output(target) as tmp:
            yield tmp
            if tmp.suffix.lower() in MEDIA_SUFFIXES:
                sign_media(tmp, ingredients=self.ingredients, authorization=self.authorization,
                           watermark_id=self.output_id, home=self.home)
            self.record([(target.name, tmp)], details)

    def record(self, outputs: Sequence[Audited], details: dict[str, Any] | None = None) -> None:
        """Append the audit record of what was produced (files, or bytes such as a stream's
        summary; see :func:`likeness.trust.gate.record_output`)."""
        record_output(self.authorization, inputs=list(self.ingredients), outputs=list(outputs),
                      details={"output_id": self.output_id, **(details or {})},
                      audit=self.audit, home=self.home)


@dataclass(frozen=True)
class OutputGuard:
    """Consent for one likeness and one use, checked once, and where its outputs are recorded.

    Make it with :func:`output_guard`. ``permission`` is what the grant allows; ``audit`` the
    audit log (None: ``LIKENESS_AUDIT``, else under ``settings.home()``); ``home`` the state
    folder with keys, trusted subjects and revocations (None: ``settings.home()``).
    """

    permission: Permission
    audit: str | None = None
    home: Path | None = None

    def require(self, *output_kinds: str) -> None:
        """Refuse now, before any work, outputs of a kind the grant does not allow
        (``ConsentRefused``, reason ``wrong-output``)."""
        for kind in output_kinds:
            self.permission.allow(kind)

    def output(
        self,
        output_kind: str,
        *,
        ingredients: Sequence[Ingredient] = (),
        shows: str | None = None,
    ) -> GuardedOutput:
        """One output of ``output_kind`` (``render``, ``stream``, ``export``) showing the likeness
        ``shows`` (an avatar's ``likeness_sha256``; None: the synthetic avatar, or motion alone).

        Raises
        ------
        ConsentRefused
            The grant does not allow this kind of output, or is for another likeness than the
            one shown (or there is no grant for it).
        """
        authorization = self.permission.allow(output_kind, shows=shows)
        return GuardedOutput(authorization, new_output_id(), tuple(ingredients), self.audit,
                             self.home)


def output_guard(
    likeness_asset: str | os.PathLike[str] | None = None,
    *,
    grant: str | os.PathLike[str] | None = None,
    context: str | None = None,
    audit: str | None = None,
    home: Path | None = None,
) -> OutputGuard:
    """Check consent once for a likeness and a use, and make the guard its outputs go through.

    Parameters
    ----------
    likeness_asset : path, optional
        The likeness shown: an avatar file, a calibration, a voice, the photo of a twin. None:
        the built-in synthetic avatar, which needs no grant (a grant that is given is still
        verified).
    grant : path, optional
        The person's consent grant for the likeness.
    context : str, optional
        The use, as the grant names it.
    audit : str, optional
        Audit log: ``postgresql://…`` or an SQLite path (default ``LIKENESS_AUDIT``, else
        ``LIKENESS_HOME/audit.sqlite``).
    home : Path, optional
        State folder (keys, trusted subjects, revocations); default ``settings.home()``.

    Returns
    -------
    OutputGuard

    Raises
    ------
    ConsentRefused
        The grant is missing (for a real person's likeness), malformed, forged, signed by the
        wrong key, expired, revoked, for another context or for another likeness.
    InputError
        The likeness asset is missing.
    """
    permission = permit(likeness_asset=likeness_asset, grant=grant, context=context, home=home)
    ensure_keys(home)
    return OutputGuard(permission, audit, home)
