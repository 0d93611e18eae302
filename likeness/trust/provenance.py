"""C2PA provenance for rendered media: sign with c2pa-python, verify with its Reader.

Every manifest :func:`sign_media` writes says:

* action ``c2pa.created`` with digital source type ``trainedAlgorithmicMedia`` and likeness as the
  software agent;
* the inputs that drove the output (audio, video, text) as ingredients with relationship
  ``inputTo``, and their SHA-256 in the ``org.likeness.inputs`` assertion;
* the consent grant (id, subject, context, SHA-256 of the grant file), or that the built-in
  synthetic avatar was used, in the ``org.likeness.consent`` assertion;
* the watermark id carried in the frames, if any, in ``org.likeness.watermark``.

It is signed with the installation's C2PA signer (``likeness keys init``: a local CA and an
end-entity certificate, or a chain the user brought). :func:`verify_media` validates the manifest
and the hard binding to the media bytes, trusting the installation's CA as an anchor.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from likeness import __version__
from likeness.errors import InputError, ProvenanceError
from likeness.fileio import atomic_output, existing_file
from likeness.trust.consent import sha256_file
from likeness.trust.gate import Authorization
from likeness.trust.keys import key_paths

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
MEDIA_SUFFIXES = (".mp4", ".png", ".jpg", ".jpeg")
INGREDIENT_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".json": "application/json",
    ".csv": "text/csv",
}


@dataclass(frozen=True)
class ProvenanceReport:
    """What :func:`verify_media` found.

    valid: the manifest and its binding to the media verify (and the signer chains to a trusted
        anchor when anchors were given).
    state: c2pa's validation state (``Trusted``, ``Valid`` or ``Invalid``).
    failures: c2pa failure codes with explanations, e.g. ``assertion.bmffHash.mismatch``.
    manifest: the active manifest as JSON (empty if none could be read).
    """

    valid: bool
    state: str
    failures: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


def _signer(home: Path | None) -> Any:
    """A c2pa Signer from the installation's signing key and chain."""
    import c2pa

    paths = key_paths(home)
    try:
        chain, key = paths.signer_chain.read_bytes(), paths.signer_key.read_bytes()
    except FileNotFoundError as e:
        raise ProvenanceError(
            f"{e.filename}: no C2PA signing key (run `likeness keys init`)"
        ) from e
    private = serialization.load_pem_private_key(key, password=None)
    if isinstance(private, ed25519.Ed25519PrivateKey):
        alg = b"ed25519"
    elif isinstance(private, ec.EllipticCurvePrivateKey):
        alg = {256: b"es256", 384: b"es384", 521: b"es512"}[private.curve.key_size]
    else:
        raise ProvenanceError(f"{paths.signer_key}: expected an EC or Ed25519 signing key")
    try:
        return c2pa.Signer.from_info(
            c2pa.C2paSignerInfo(alg=alg, sign_cert=chain, private_key=key, ta_url=None)
        )
    except c2pa.C2paError as e:
        raise ProvenanceError(f"{paths.signer_chain}: c2pa rejected the signing chain: {e}") from e


def _manifest(
    title: str,
    inputs: list[dict[str, str]],
    authorization: Authorization | None,
    watermark_id: int | None,
) -> dict[str, Any]:
    """The manifest definition: created action, inputs, consent and watermark assertions."""
    consent: dict[str, Any]
    if authorization is None or authorization.grant_id is None:
        consent = {"synthetic_avatar": authorization is None or authorization.synthetic}
    else:
        consent = {
            "grant_id": authorization.grant_id,
            "subject": authorization.subject,
            "context": authorization.context,
            "grant_sha256": authorization.grant_sha256,
            "likeness_sha256": authorization.likeness_sha256,
            "synthetic_avatar": authorization.synthetic,
        }
    assertions: list[dict[str, Any]] = [
        {
            "label": "c2pa.actions",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                        "softwareAgent": {"name": "likeness", "version": __version__},
                    }
                ]
            },
        },
        {"label": "org.likeness.inputs", "data": {"inputs": inputs}},
        {"label": "org.likeness.consent", "data": consent},
    ]
    if watermark_id is not None:
        assertions.append(
            {
                "label": "org.likeness.watermark",
                "data": {"id": watermark_id, "scheme": "likeness-tiled-ss/1"},
            }
        )
    return {
        "claim_generator_info": [{"name": "likeness", "version": __version__}],
        "title": title,
        "assertions": assertions,
    }


def sign_media(
    path: str | os.PathLike[str],
    *,
    ingredients: Sequence[str | os.PathLike[str] | bytes] = (),
    authorization: Authorization | None = None,
    watermark_id: int | None = None,
    home: Path | None = None,
) -> dict[str, Any]:
    """Embed a signed C2PA manifest in an MP4, PNG or JPEG file, in place and atomically.

    Parameters
    ----------
    path : path
        The rendered file; replaced by its signed copy only when signing succeeds.
    ingredients : sequence of paths or bytes
        The inputs that drove it (driving audio/video, a text prompt as bytes).
    authorization : Authorization, optional
        From :func:`likeness.trust.gate.authorize`; its grant is referenced by id and hash.
        None means the built-in synthetic avatar without a grant.
    watermark_id : int, optional
        The id the frames carry, if they were watermarked.
    home : Path, optional
        State folder with the signing key; default ``settings.home()``.

    Returns
    -------
    dict
        The manifest definition that was signed.
    """
    import c2pa

    media = existing_file(path, "media file")
    if media.suffix.lower() not in MEDIA_SUFFIXES:
        raise InputError(
            f"{media}: C2PA signing supports {sorted(MEDIA_SUFFIXES)}, got {media.suffix!r}"
        )
    inputs, streams = [], []
    for i, item in enumerate(ingredients):
        if isinstance(item, bytes):
            inputs.append(
                {
                    "name": f"text[{i}]",
                    "sha256": hashlib.sha256(item).hexdigest(),
                    "format": "text/plain",
                }
            )
        else:
            source = existing_file(item, "ingredient")
            fmt = (
                INGREDIENT_TYPES.get(source.suffix.lower()) or mimetypes.guess_type(source.name)[0]
            )
            inputs.append(
                {
                    "name": source.name,
                    "sha256": sha256_file(source),
                    "format": fmt or "application/octet-stream",
                }
            )
            streams.append((source, fmt))
    manifest = _manifest(media.name, inputs, authorization, watermark_id)
    signer = _signer(home)
    try:
        with c2pa.Builder(manifest) as builder:
            for source, fmt in streams:
                if fmt is None:
                    continue  # c2pa needs a media type; the hash is in org.likeness.inputs anyway
                with open(source, "rb") as handle:
                    builder.add_ingredient(
                        {"title": source.name, "relationship": "inputTo"}, fmt, handle
                    )
            with atomic_output(media) as tmp:
                tmp.unlink()
                builder.sign_file(media, tmp, signer)
    except c2pa.C2paError as e:
        raise ProvenanceError(f"{media}: C2PA signing failed: {e}") from e
    finally:
        signer.close()
    return manifest


def verify_media(
    path: str | os.PathLike[str],
    *,
    trust_anchors: Sequence[Path] | None = None,
    home: Path | None = None,
) -> ProvenanceReport:
    """Validate the C2PA manifest of a file.

    Parameters
    ----------
    path : path
        An MP4, PNG or JPEG with an embedded manifest.
    trust_anchors : sequence of Path, optional
        PEM files of CAs to trust; default: this installation's CA (if ``keys init`` was run).
        With anchors, ``valid`` also requires the signer to chain to one of them.
    home : Path, optional
        State folder; default ``settings.home()``.

    Returns
    -------
    ProvenanceReport
    """
    import c2pa

    media = existing_file(path, "media file")
    if trust_anchors is None:
        own = key_paths(home).ca_cert
        trust_anchors = [own] if own.exists() else []
    anchors = "".join(Path(p).read_text("ascii") for p in trust_anchors)
    config: dict[str, Any] = {"verify": {"verify_trust": bool(anchors)}}
    if anchors:
        config["trust"] = {"trust_anchors": anchors}
    try:
        with (
            c2pa.Settings.from_dict(config) as settings,
            c2pa.Context(settings) as context,
            c2pa.Reader(str(media), context=context) as reader,
        ):
            state = str(reader.get_validation_state())
            results = reader.get_validation_results() or {}
            store = json.loads(reader.json())
    except c2pa.C2paError as e:
        return ProvenanceReport(False, "Invalid", [f"no readable C2PA manifest: {e}"])
    active = results.get("activeManifest", {}) if isinstance(results, dict) else {}
    failures = [
        f"{item.get('code')}: {item.get('explanation', '')}" for item in active.get("failure", [])
    ]
    manifest = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    wanted = "Trusted" if anchors else "Valid"
    valid = not failures and state in (wanted, "Trusted")
    return ProvenanceReport(valid, state, failures, manifest)
