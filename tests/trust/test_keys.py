"""Keys: private keys 0600, a CA and a C2PA-valid end-entity certificate, bring-your-own chains."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID

from likeness.errors import InputError
from likeness.trust import keys


def test_private_keys_are_owner_only_and_the_chain_is_leaf_then_ca(home):
    paths = keys.key_paths()
    for private in (paths.identity_key, paths.ca_key, paths.signer_key):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
    leaf, ca = x509.load_pem_x509_certificates(paths.signer_chain.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    ekus = set(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert {keys.DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION} <= ekus
    leaf.verify_directly_issued_by(ca)
    assert x509.load_pem_x509_certificate(paths.ca_cert.read_bytes()) == ca


def test_init_refuses_to_overwrite_without_force(home):
    before = keys.public_key_text(keys.load_identity())
    with pytest.raises(InputError, match="--force"):
        keys.init_keys(name="again")
    keys.init_keys(name="again", force=True)
    assert keys.public_key_text(keys.load_identity()) != before


def test_public_key_text_round_trips_and_rejects_garbage(home):
    identity = keys.load_identity()
    text = keys.public_key_text(identity)
    assert keys.public_key_text(keys.parse_public_key(text)) == text
    for bad in ("ed25519:abc", "rsa:AAAA", ""):
        with pytest.raises(InputError):
            keys.parse_public_key(bad)


def test_bring_your_own_chain(home, tmp_path):
    theirs = keys.init_keys(name="Studio", home=tmp_path / "studio")
    mine = keys.init_keys(
        name="Me", home=tmp_path / "mine", chain=theirs.signer_chain, key=theirs.signer_key
    )
    assert mine.signer_chain.read_bytes() == theirs.signer_chain.read_bytes()
    assert mine.ca_cert.read_bytes() == theirs.ca_cert.read_bytes()
    assert not mine.ca_key.exists()
    assert stat.S_IMODE(mine.signer_key.stat().st_mode) == 0o600


def test_bring_your_own_chain_with_the_wrong_key(tmp_path):
    theirs = keys.init_keys(name="Studio", home=tmp_path / "studio")
    with pytest.raises(InputError, match="does not match"):
        keys.init_keys(
            name="Me", home=tmp_path / "mine", chain=theirs.signer_chain, key=theirs.ca_key
        )
    with pytest.raises(InputError, match="both --chain and --key"):
        keys.init_keys(name="Me", home=tmp_path / "mine2", chain=theirs.signer_chain)


def test_trusted_subjects(home):
    other = keys.public_key_text(ed25519.Ed25519PrivateKey.generate())
    keys.trust_subject("bob", other)
    assert keys.trusted_subjects()["bob"] == other
    with pytest.raises(InputError):
        keys.trust_subject("carol", "not a key")
    Path(keys.key_paths().subjects).write_text("[1, 2]")
    with pytest.raises(InputError, match="subjects.json"):
        keys.trusted_subjects()
