"""Likeness assets made from other assets: a twin GLB is bound to the photo it was made from.

A consent grant names a likeness by the SHA-256 of its file. A twin made from a photo shows the
same person, so the grant for the photo must cover it, and nothing else may: when a GLB of a real
person's avatar is written (:func:`likeness.avatar.gltf.write_glb`, as ``likeness twin`` does),
the photo's hash goes into the file (``asset.extras.likeness.source``) with a signature by this
installation's identity key over that hash and the hash of the file's binary chunk (geometry and
textures). The consent gate reads the source hash from such a file
(:func:`likeness_sha256`); a file whose geometry, texture or source was changed afterwards no
longer verifies and is refused as forged. A GLB without a binding is its own likeness.

A twin made on another installation verifies once that installation's identity is trusted as a
maker here (``likeness keys trust-maker NAME KEY``): the grant for the photo still decides.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from likeness.trust.consent import ConsentRefused, canonical, sha256_file
from likeness.trust.keys import (
    b64,
    load_identity,
    public_key_text,
    trusted_makers,
    verify_signature,
)

log = logging.getLogger(__name__)

BINDING_TYPE = "likeness.derived/v1"


def _message(source_sha256: str, blob: bytes) -> bytes:
    return canonical({"type": BINDING_TYPE, "source_sha256": source_sha256,
                      "blob_sha256": hashlib.sha256(blob).hexdigest()})


def bind(source_sha256: str, blob: bytes, *, name: str, home: Path | None = None
         ) -> dict[str, Any]:
    """The ``asset.extras.likeness`` entries binding a GLB's binary chunk ``blob`` to a likeness.

    Parameters
    ----------
    source_sha256 : str
        The likeness the GLB shows, as a grant names it (the SHA-256 of the photo of a twin).
    blob : bytes
        The GLB's binary chunk, exactly as written.
    name : str
        What to call the source (the photo's file name).
    home : Path, optional
        State folder with the identity key.

    Returns
    -------
    dict
        ``{"source": {"sha256", "name"}, "binding": {"type", "signer_key", "signature"}}``.
    """
    key = load_identity(home)
    return {
        "source": {"sha256": source_sha256, "name": name},
        "binding": {
            "type": BINDING_TYPE,
            "signer_key": public_key_text(key),
            "signature": b64(key.sign(_message(source_sha256, blob))),
        },
    }


def likeness_sha256(asset: str | os.PathLike[str], home: Path | None = None) -> str:
    """The hash a grant must name to cover ``asset``: its source's for a bound GLB, else its own.

    Raises
    ------
    ConsentRefused
        ``forged``: the file claims a source but its binding does not verify here.
    """
    path = Path(asset)
    if path.suffix.lower() != ".glb":
        return sha256_file(path)
    extras, blob = _read_extras(path)
    return glb_likeness_sha256(path, extras, blob, home)


def glb_likeness_sha256(path: Path, extras: dict[str, Any], blob: bytes | None,
                        home: Path | None = None) -> str:
    """:func:`likeness_sha256` of a GLB already read: its ``asset.extras.likeness`` and binary
    chunk."""
    source, binding = extras.get("source"), extras.get("binding")
    if source is None and binding is None:
        return sha256_file(path)
    try:
        source_sha256 = str(source["sha256"])  # type: ignore[index]
        signer, signature = str(binding["signer_key"]), str(binding["signature"])  # type: ignore[index]
    except (KeyError, TypeError) as e:
        raise ConsentRefused("forged", f"{path}: malformed likeness binding ({e})") from e
    makers = {public_key_text(load_identity(home)), *trusted_makers(home).values()}
    if signer not in makers:
        raise ConsentRefused(
            "forged",
            f"{path}: bound to likeness sha256 {source_sha256} by {signer}, an installation not "
            "trusted here. If you know it made this twin, trust it: "
            f"`likeness keys trust-maker NAME {signer}`",
        )
    if not verify_signature(signer, signature, _message(source_sha256, blob or b"")):
        raise ConsentRefused(
            "forged",
            f"{path}: its binding to likeness sha256 {source_sha256} does not verify (the file "
            "was changed after it was made)",
        )
    return source_sha256


def _read_extras(path: Path) -> tuple[dict[str, Any], bytes | None]:
    """A GLB's ``asset.extras.likeness`` and binary chunk; ({}, None) if it is no readable GLB."""
    import pygltflib as g

    from likeness.avatar.glb_import import likeness_extras

    try:
        gltf = g.GLTF2().load_binary(str(path))
        blob = gltf.binary_blob() if gltf is not None else None
    except Exception as e:  # pygltflib raises anything from struct errors to JSON errors
        log.debug("%s: not a readable GLB (%s); hashing its bytes", path, e)
        return {}, None
    return (likeness_extras(gltf) if gltf is not None else {}), blob
