"""One guarded output: consent before it is made, watermark while it is made, provenance and an
audit record once it exists, and nothing left behind if any step fails.

Commands use it like this::

    guard = guard_output("render", likeness_asset=avatar_path, grant=..., context=...)
    with guard.writing(out) as tmp:           # tmp is beside out; renamed onto it at the end
        render_video(animation, tmp, frame_hook=guard.frame_hook(tmp))
    guard.finish([out], inputs=[audio])       # audit (C2PA was embedded before the rename)

A C2PA manifest goes into every MP4, PNG and JPEG; video frames carry the output id as an
invisible watermark; every output, of any kind, appends a signed audit record.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from likeness.fileio import atomic_output
from likeness.trust.gate import Authorization, authorize, new_output_id, record_output
from likeness.trust.keys import init_keys, key_paths
from likeness.trust.provenance import MEDIA_SUFFIXES, sign_media

log = logging.getLogger(__name__)

FrameHook = Callable[[np.ndarray, int], np.ndarray]

WATERMARKED_SUFFIXES = (".mp4", ".gif")
"""Outputs whose frames carry the watermark (a still is marked by its C2PA manifest alone)."""


def ensure_keys(home: Path | None = None) -> None:
    """Create this installation's signing keys on first use, so every output can be signed."""
    if key_paths(home).identity_key.exists():
        return
    paths = init_keys(name=f"likeness ({getpass.getuser()})", home=home)
    log.warning("created this installation's signing keys in %s (likeness keys init)", paths.keys)


@dataclass
class GuardedOutput:
    """An output that consent allowed; see the module docstring.

    authorization: what :func:`likeness.trust.authorize` decided.
    output_id: the 32-bit id the watermark and the manifest carry.
    ingredients: inputs that drove the output (paths, or bytes such as a text prompt).
    audit: audit log location (None: the default under ``settings.home()``).
    """

    authorization: Authorization
    output_id: int
    ingredients: Sequence[str | os.PathLike[str] | bytes] = ()
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
    def writing(self, path: str | os.PathLike[str]) -> Iterator[Path]:
        """A temporary path to write ``path`` to; signed, then renamed onto ``path`` on success."""
        with atomic_output(path) as tmp:
            yield tmp
            if tmp.suffix.lower() in MEDIA_SUFFIXES:
                sign_media(tmp, ingredients=self.ingredients, authorization=self.authorization,
                           watermark_id=self.output_id, home=self.home)

    def finish(self, outputs: Sequence[str | os.PathLike[str] | bytes],
               details: dict[str, Any] | None = None) -> None:
        """Append the audit record for what was produced."""
        record_output(self.authorization, inputs=list(self.ingredients), outputs=list(outputs),
                      details={"output_id": self.output_id, **(details or {})},
                      audit=self.audit, home=self.home)


def guard_output(
    output_kind: str,
    *,
    likeness_asset: str | os.PathLike[str] | None,
    grant: str | os.PathLike[str] | None,
    context: str | None,
    ingredients: Sequence[str | os.PathLike[str] | bytes] = (),
    audit: str | None = None,
    home: Path | None = None,
) -> GuardedOutput:
    """Check consent for one output (raising ``ConsentRefused`` with its reason) and prepare it."""
    authorization = authorize(output_kind, likeness_asset=likeness_asset, grant=grant,
                              context=context, home=home)
    ensure_keys(home)
    return GuardedOutput(authorization, new_output_id(), ingredients, audit, home)


def guard_from_args(
    args: argparse.Namespace,
    output_kind: str,
    *,
    likeness_asset: str | os.PathLike[str] | None = None,
    ingredients: Sequence[str | os.PathLike[str] | bytes] = (),
) -> GuardedOutput:
    """:func:`guard_output` with the ``--consent/--context/--audit`` options of a command."""
    return guard_output(output_kind, likeness_asset=likeness_asset, grant=args.consent,
                        context=args.context, ingredients=ingredients, audit=args.audit)
