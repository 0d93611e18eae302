"""Trust built in: consent for a likeness, C2PA provenance, an invisible watermark, an audit log.

Every output of a likeness goes through one guard, made once per likeness and use::

    from likeness import trust

    guard = trust.output_guard("alice.glb", grant="grant.json", context="film-x")
    render_video(take, "shot.mp4", guard=guard, avatar=read_glb("alice.glb"))

and every output function (render, stream, export) takes it: the grant is checked when the guard
is made, and each output is watermarked (video), signed (C2PA) and recorded in the audit log
(:mod:`likeness.trust.guard`). ``trust.output_guard()`` is the built-in synthetic avatar's.

* :func:`output_guard` raises :class:`ConsentRefused` (a ``ConsentError``) with ``reason`` one of
  ``missing``, ``malformed``, ``forged``, ``wrong-key``, ``expired``, ``revoked``,
  ``wrong-context``, ``wrong-likeness``; an output the grant does not allow is refused with
  ``wrong-output``. ``likeness_asset=None`` is the built-in synthetic avatar: no grant needed, but
  a grant that is presented is still verified.
* :func:`permit` checks a grant once (a :class:`Permission`); :func:`authorize` checks it for one
  output; :func:`record_output` appends a signed, hash-chained record to the audit log
  (:func:`open_audit`: SQLite under ``settings.home()`` or ``postgresql://…``).
* :func:`sign_media` embeds a C2PA manifest in an MP4/PNG/JPEG (atomically);
  :func:`verify_media` validates one.
* :func:`embed` / :class:`Embedder` put a 32-bit id in frames; :func:`detect` finds it in a video.
* :func:`new_output_id` draws a random 32-bit id for one output.

State (keys, trusted subjects, revocations, grants signed here, the SQLite audit log) lives under
``LIKENESS_HOME`` (default ``~/.likeness``); ``likeness keys init`` creates the keys.
"""

from typing import TYPE_CHECKING

from likeness.lazy import lazy_exports

if TYPE_CHECKING:
    from likeness.trust.audit import open_audit
    from likeness.trust.consent import ConsentRefused, make_grant, read_grant
    from likeness.trust.gate import (
        Authorization,
        Permission,
        authorize,
        new_output_id,
        permit,
        record_output,
    )
    from likeness.trust.guard import OutputGuard, output_guard
    from likeness.trust.provenance import sign_media, verify_media
    from likeness.trust.watermark import Embedder, detect, embed

__all__ = [
    "Authorization",
    "ConsentRefused",
    "Embedder",
    "OutputGuard",
    "Permission",
    "authorize",
    "detect",
    "embed",
    "make_grant",
    "new_output_id",
    "open_audit",
    "output_guard",
    "permit",
    "read_grant",
    "record_output",
    "sign_media",
    "verify_media",
]

__getattr__ = lazy_exports(__name__, {
    "likeness.trust.audit": ("open_audit",),
    "likeness.trust.consent": ("ConsentRefused", "make_grant", "read_grant"),
    "likeness.trust.gate": ("Authorization", "Permission", "authorize", "new_output_id", "permit",
                            "record_output"),
    "likeness.trust.guard": ("OutputGuard", "output_guard"),
    "likeness.trust.provenance": ("sign_media", "verify_media"),
    "likeness.trust.watermark": ("Embedder", "detect", "embed"),
})
