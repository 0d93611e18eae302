"""The consent gate: a valid grant passes; each way a grant can be wrong is refused, with why."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from likeness.errors import ConsentError, InputError
from likeness.trust import consent, keys
from likeness.trust.gate import authorize
from likeness.trust.revocation import revoke

from .conftest import NOW


def refused(reason: str, **kwargs: object) -> ConsentError:
    """Call authorize('render', ...) expecting a refusal with ``reason``."""
    kwargs.setdefault("now", NOW)
    with pytest.raises(consent.ConsentRefused) as info:
        authorize("render", **kwargs)  # type: ignore[arg-type]
    assert info.value.reason == reason, str(info.value)
    return info.value


def test_valid_grant_authorizes_and_names_everything(make_grant, asset):
    grant = make_grant()
    auth = authorize("render", likeness_asset=asset, grant=grant, context="film-x", now=NOW)
    doc = json.loads(grant.read_text())
    assert not auth.synthetic
    assert auth.grant_id == doc["grant_id"] and auth.subject == "alice"
    assert auth.likeness_sha256 == consent.sha256_file(asset) == doc["likeness"]["sha256"]
    assert auth.grant_sha256 == consent.sha256_file(grant)


def test_missing_grant_for_a_real_likeness(asset):
    error = refused("missing", likeness_asset=asset, grant=None, context="film-x")
    assert "alice.glb" in str(error)


def test_grant_file_that_does_not_exist(asset, tmp_path):
    refused("missing", likeness_asset=asset, grant=tmp_path / "nope.json", context="film-x")


@pytest.mark.parametrize(
    "text", ["{not json", "", "[]", '{"type": "likeness.consent/1"}', "\xff\xfe"]
)
def test_malformed_json(asset, tmp_path, home, text):
    path = tmp_path / "bad.json"
    path.write_bytes(text.encode("latin-1"))
    error = refused("malformed", likeness_asset=asset, grant=path, context="film-x")
    assert "bad.json" in str(error)


def test_malformed_time(make_grant, asset):
    grant = make_grant()
    doc = json.loads(grant.read_text())
    doc["expires"] = "next tuesday"
    grant.write_text(json.dumps(doc))
    refused("malformed", likeness_asset=asset, grant=grant, context="film-x")


def test_forged_signature_content_changed_after_signing(make_grant, asset):
    grant = make_grant()
    doc = json.loads(grant.read_text())
    doc["contexts"] = ["film-x", "advertising"]
    grant.write_text(json.dumps(doc))
    refused("forged", likeness_asset=asset, grant=grant, context="advertising")


def test_forged_signature_bytes(make_grant, asset):
    grant = make_grant()
    doc = json.loads(grant.read_text())
    doc["signature"] = keys.b64(bytes(64))
    grant.write_text(json.dumps(doc))
    refused("forged", likeness_asset=asset, grant=grant, context="film-x")


def test_wrong_key_a_stranger_signs_for_alice(make_grant, asset):
    mallory = ed25519.Ed25519PrivateKey.generate()
    grant = make_grant(signing_key=mallory)
    error = refused("wrong-key", likeness_asset=asset, grant=grant, context="film-x")
    assert keys.public_key_text(mallory) in str(error)


def test_wrong_key_signer_differs_from_subject_without_delegation(make_grant, asset):
    grant = make_grant()
    doc = json.loads(grant.read_text())
    mallory = ed25519.Ed25519PrivateKey.generate()
    doc["signer_key"] = keys.public_key_text(mallory)
    body = {k: v for k, v in doc.items() if k != "signature"}
    doc["signature"] = keys.b64(mallory.sign(consent.canonical(body)))
    grant.write_text(json.dumps(doc))
    refused("wrong-key", likeness_asset=asset, grant=grant, context="film-x")


def test_wrong_key_unknown_subject(make_grant, asset):
    grant = make_grant(subject="bob")
    error = refused("wrong-key", likeness_asset=asset, grant=grant, context="film-x")
    assert "'bob'" in str(error)


def test_expired(make_grant, asset):
    grant = make_grant(expires=NOW + dt.timedelta(hours=1))
    authorize("render", likeness_asset=asset, grant=grant, context="film-x", now=NOW)
    refused(
        "expired",
        likeness_asset=asset,
        grant=grant,
        context="film-x",
        now=NOW + dt.timedelta(hours=1, seconds=1),
    )


def test_revoked(make_grant, asset, alice_key, home):
    grant = make_grant()
    revoke(consent.read_grant(grant), alice_key, reason="changed my mind")
    error = refused("revoked", likeness_asset=asset, grant=grant, context="film-x")
    assert "changed my mind" in str(error)


def test_revocation_by_a_stranger_is_rejected(make_grant):
    grant = consent.read_grant(make_grant())
    with pytest.raises(InputError, match="only the subject"):
        revoke(grant, ed25519.Ed25519PrivateKey.generate())


def test_tampered_revocation_list_fails_closed(make_grant, asset, alice_key, home):
    other = make_grant("other.json")
    grant = make_grant()
    revoke(consent.read_grant(other), alice_key)
    path = home / "revocations.json"
    data = json.loads(path.read_text())
    data["entries"][0]["grant_id"] = "0" * 32  # someone hides the revocation
    path.write_text(json.dumps(data))
    refused("forged", likeness_asset=asset, grant=grant, context="film-x")


def test_wrong_context(make_grant, asset):
    error = refused(
        "wrong-context", likeness_asset=asset, grant=make_grant(), context="advertising"
    )
    assert "advertising" in str(error) and "film-x" in str(error)
    refused("wrong-context", likeness_asset=asset, grant=make_grant("g2.json"), context=None)


def test_wrong_likeness(make_grant, tmp_path):
    other_face = tmp_path / "bob.glb"
    other_face.write_bytes(b"glTF\x02\x00\x00\x00 bob's avatar")
    error = refused(
        "wrong-likeness", likeness_asset=other_face, grant=make_grant(), context="film-x"
    )
    assert "bob.glb" in str(error)


def test_wrong_output_kind(make_grant, asset):
    grant = make_grant(outputs=("export",))
    refused("wrong-output", likeness_asset=asset, grant=grant, context="film-x")
    authorize("export", likeness_asset=asset, grant=grant, context="film-x", now=NOW)


def test_synthetic_avatar_needs_no_grant(home):
    auth = authorize("stream", likeness_asset=None, grant=None, context=None)
    assert auth.synthetic and auth.grant_id is None


def test_a_presented_grant_is_verified_even_for_the_synthetic_avatar(make_grant):
    grant = make_grant()
    assert authorize(
        "render", likeness_asset=None, grant=grant, context="film-x", now=NOW
    ).synthetic
    doc = json.loads(grant.read_text())
    doc["subject"] = "alicia"
    grant.write_text(json.dumps(doc))
    refused("forged", likeness_asset=None, grant=grant, context="film-x")


def test_delegate_signs_for_the_subject(tmp_path, asset, alice_key):
    agent = ed25519.Ed25519PrivateKey.generate()
    delegation = consent.delegate(
        "alice",
        alice_key,
        keys.public_key_text(agent),
        contexts=["film-x", "film-y"],
        expires=NOW + dt.timedelta(days=365),
    )
    path = tmp_path / "by-agent.json"
    consent.write_grant(
        consent.make_grant(
            subject="alice",
            likeness_asset=asset,
            contexts=["film-y"],
            expires=NOW + dt.timedelta(days=9),
            signing_key=agent,
            delegation=delegation,
            now=NOW,
        ),
        path,
    )
    assert (
        authorize("render", likeness_asset=asset, grant=path, context="film-y", now=NOW).subject
        == "alice"
    )


def test_delegate_cannot_grant_beyond_the_delegation(tmp_path, asset, alice_key):
    agent = ed25519.Ed25519PrivateKey.generate()
    delegation = consent.delegate(
        "alice",
        alice_key,
        keys.public_key_text(agent),
        contexts=["film-x"],
        expires=NOW + dt.timedelta(days=365),
    )
    path = tmp_path / "too-wide.json"
    consent.write_grant(
        consent.make_grant(
            subject="alice",
            likeness_asset=asset,
            contexts=["advertising"],
            expires=NOW + dt.timedelta(days=9),
            signing_key=agent,
            delegation=delegation,
            now=NOW,
        ),
        path,
    )
    refused("wrong-context", likeness_asset=asset, grant=path, context="advertising")


def test_delegation_not_signed_by_the_subject(tmp_path, asset):
    agent, mallory = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    forged = consent.delegate(
        "alice",
        mallory,
        keys.public_key_text(agent),
        contexts=["film-x"],
        expires=NOW + dt.timedelta(days=365),
    )
    path = tmp_path / "forged-delegation.json"
    consent.write_grant(
        consent.make_grant(
            subject="alice",
            likeness_asset=asset,
            contexts=["film-x"],
            expires=NOW + dt.timedelta(days=9),
            signing_key=agent,
            delegation=forged,
            now=NOW,
        ),
        path,
    )
    refused("wrong-key", likeness_asset=asset, grant=path, context="film-x")


def test_unknown_output_kind_and_missing_asset(make_grant, tmp_path):
    with pytest.raises(InputError, match="output kind"):
        authorize("broadcast", likeness_asset=None, grant=None, context=None)
    with pytest.raises(InputError, match="no such likeness asset"):
        authorize(
            "render", likeness_asset=tmp_path / "gone.glb", grant=make_grant(), context="film-x"
        )


def test_grant_is_written_atomically_and_canonically(make_grant):
    path = make_grant()
    doc = consent.read_grant(path)
    assert sorted(doc) == sorted(consent.GRANT_FIELDS)
    assert [p.name for p in path.parent.glob(".grant.json.*")] == []
    body = {k: v for k, v in doc.items() if k != "signature"}
    assert keys.verify_signature(doc["signer_key"], doc["signature"], consent.canonical(body))


def test_cannot_make_an_already_expired_or_empty_grant(asset, alice_key):
    with pytest.raises(consent.ConsentRefused, match="expired"):
        consent.make_grant(
            subject="alice",
            likeness_asset=asset,
            contexts=["x"],
            now=NOW,
            expires=NOW - dt.timedelta(days=1),
            signing_key=alice_key,
        )
    with pytest.raises(consent.ConsentRefused, match="context"):
        consent.make_grant(
            subject="alice",
            likeness_asset=asset,
            contexts=[],
            now=NOW,
            expires=NOW + dt.timedelta(days=1),
            signing_key=alice_key,
        )
    with pytest.raises(consent.ConsentRefused, match="outputs"):
        consent.make_grant(
            subject="alice",
            likeness_asset=asset,
            contexts=["x"],
            now=NOW,
            expires=NOW + dt.timedelta(days=1),
            signing_key=alice_key,
            outputs=("broadcast",),
        )
