"""Trust built in: consent for a likeness, C2PA provenance, an invisible watermark, an audit log.

Every path that produces likeness output (render, stream, export) does the same four things::

    from likeness import trust

    auth = trust.authorize("render", likeness_asset=avatar, grant=grant, context=context)
    embedder = trust.Embedder(output_id)             # per frame, inside the render loop
    ... frames = [embedder(f) for f in frames]; write out.mp4 ...
    trust.sign_media(out, ingredients=[audio], authorization=auth, watermark_id=output_id)
    trust.record_output(auth, inputs=[audio], outputs=[out], details={"fps": 30})

* :func:`authorize` raises :class:`ConsentRefused` (a ``ConsentError``) with ``reason`` one of
  ``missing``, ``malformed``, ``forged``, ``wrong-key``, ``expired``, ``revoked``,
  ``wrong-context``, ``wrong-likeness``, ``wrong-output``. ``likeness_asset=None`` is the built-in
  synthetic avatar: no grant needed, but a grant that is presented is still verified.
* :func:`sign_media` embeds a C2PA manifest in an MP4/PNG/JPEG (atomically);
  :func:`verify_media` validates one.
* :func:`embed` / :class:`Embedder` put a 32-bit id in frames; :func:`detect` finds it in a video.
* :func:`record_output` appends a signed, hash-chained record to the audit log
  (:func:`open_audit`: SQLite under ``settings.home()`` or ``postgresql://…``).
* :func:`new_output_id` draws a random 32-bit id for one output.
* :mod:`likeness.trust.cli_args` adds ``--consent/--context/--audit`` to a command.

State (keys, trusted subjects, revocations, grants signed here, the SQLite audit log) lives under
``LIKENESS_HOME`` (default ``~/.likeness``); ``likeness keys init`` creates the keys.
"""

from typing import TYPE_CHECKING

from likeness.lazy import lazy_exports

if TYPE_CHECKING:
    from likeness.trust.audit import open_audit
    from likeness.trust.consent import ConsentRefused, make_grant, read_grant
    from likeness.trust.gate import Authorization, authorize, new_output_id, record_output
    from likeness.trust.provenance import sign_media, verify_media
    from likeness.trust.watermark import Embedder, detect, embed

__all__ = [
    "Authorization",
    "ConsentRefused",
    "Embedder",
    "authorize",
    "detect",
    "embed",
    "make_grant",
    "new_output_id",
    "open_audit",
    "read_grant",
    "record_output",
    "sign_media",
    "verify_media",
]

__getattr__ = lazy_exports(__name__, {
    "likeness.trust.audit": ("open_audit",),
    "likeness.trust.consent": ("ConsentRefused", "make_grant", "read_grant"),
    "likeness.trust.gate": ("Authorization", "authorize", "new_output_id", "record_output"),
    "likeness.trust.provenance": ("sign_media", "verify_media"),
    "likeness.trust.watermark": ("Embedder", "detect", "embed"),
})
