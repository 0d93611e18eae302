"""Keys under ``settings.home()/keys``: an Ed25519 identity, a local signing CA, a C2PA signer.

* ``identity.key`` — Ed25519; signs consent grants, delegations, revocations and audit records.
* ``ca.key`` / ``ca.pem`` — a local certificate authority (EC P-256, CA:TRUE, keyCertSign).
* ``signer.key`` / ``signer-chain.pem`` — an EC P-256 end-entity certificate issued by that CA
  with the extended key usages the C2PA SDK accepts (document signing, email protection) and
  digitalSignature; the chain file holds the leaf, then the CA. The C2PA SDK rejects self-signed
  leaves, hence the CA. Users may bring their own chain and key instead.
* ``subjects.json`` (beside ``keys/``) maps subject ids to their Ed25519 public keys: the keys
  this installation trusts to speak for a person's likeness.

Private keys are written with mode 0600. Public keys travel as text, ``ed25519:<base64url>``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from likeness import settings
from likeness.errors import InputError
from likeness.fileio import atomic_open, atomic_output

DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
PUBLIC_KEY_PREFIX = "ed25519:"
CA_YEARS, SIGNER_YEARS = 10, 2


@dataclass(frozen=True)
class KeyPaths:
    """Where one installation keeps its keys and trusted subjects."""

    root: Path

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def identity_key(self) -> Path:
        return self.keys / "identity.key"

    @property
    def ca_key(self) -> Path:
        return self.keys / "ca.key"

    @property
    def ca_cert(self) -> Path:
        return self.keys / "ca.pem"

    @property
    def signer_key(self) -> Path:
        return self.keys / "signer.key"

    @property
    def signer_chain(self) -> Path:
        return self.keys / "signer-chain.pem"

    @property
    def subjects(self) -> Path:
        return self.root / "subjects.json"

    @property
    def makers(self) -> Path:
        return self.root / "makers.json"


def key_paths(home: Path | None = None) -> KeyPaths:
    """The key locations under ``home`` (default: :func:`likeness.settings.home`)."""
    return KeyPaths(Path(home) if home is not None else settings.home())


# --- encoding ---------------------------------------------------------------------------------


def public_key_text(key: ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey) -> str:
    """``ed25519:<base64url of the 32 raw bytes>`` for a public (or private) key."""
    public = key.public_key() if isinstance(key, ed25519.Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PUBLIC_KEY_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_public_key(text: str) -> ed25519.Ed25519PublicKey:
    """Inverse of :func:`public_key_text`; InputError if ``text`` is not such a key."""
    if not isinstance(text, str) or not text.startswith(PUBLIC_KEY_PREFIX):
        raise InputError(f"expected a public key 'ed25519:<base64url>', got {text!r}")
    body = text[len(PUBLIC_KEY_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as e:
        raise InputError(f"expected 32 base64url bytes after 'ed25519:', got {text!r}") from e


def b64(data: bytes) -> str:
    """Unpadded base64url text."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    """Inverse of :func:`b64`; ValueError on bad input."""
    if not isinstance(text, str):
        raise ValueError(f"expected base64url text, got {type(text).__name__}")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_signature(public_key_str: str, signature_b64: str, message: bytes) -> bool:
    """Whether ``signature_b64`` is a valid Ed25519 signature of ``message`` by that key."""
    try:
        parse_public_key(public_key_str).verify(unb64(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- files ------------------------------------------------------------------------------------


def _write_private_key(
    path: Path, key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
) -> None:
    """PKCS#8 PEM, unencrypted, mode 0600, written atomically."""
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with atomic_output(path) as tmp:
        os.chmod(tmp, 0o600)
        tmp.write_bytes(pem)


def load_private_key(path: Path) -> ed25519.Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except FileNotFoundError as e:
        raise InputError(f"{path}: no such key file (run `likeness keys init`)") from e
    except (ValueError, TypeError) as e:
        raise InputError(f"{path}: expected an unencrypted PEM private key: {e}") from e
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise InputError(f"{path}: expected an Ed25519 private key, got {type(key).__name__}")
    return key


def load_identity(home: Path | None = None) -> ed25519.Ed25519PrivateKey:
    """This installation's Ed25519 identity key."""
    return load_private_key(key_paths(home).identity_key)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "likeness"),
        ]
    )


def _make_ca(name: str, now: dt.datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed CA certificate for signing end-entity certificates."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(f"{name} likeness signing CA")
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _make_signer(
    name: str, ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, now: dt.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """An end-entity certificate that the C2PA SDK accepts for signing manifests."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{name} likeness provenance"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * SIGNER_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _import_chain(paths: KeyPaths, chain: Path, key: Path) -> None:
    """Copy a user's certificate chain and key into place, after checking they belong together."""
    try:
        certs = x509.load_pem_x509_certificates(Path(chain).read_bytes())
        private = serialization.load_pem_private_key(Path(key).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise InputError(
            f"{chain} / {key}: expected a PEM certificate chain and PEM private key: {e}"
        ) from e
    if len(certs) < 2:
        raise InputError(
            f"{chain}: expected the end-entity certificate then its issuer(s), got {len(certs)}"
        )
    if not isinstance(private, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise InputError(f"{key}: expected an EC or Ed25519 key, got {type(private).__name__}")
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if certs[0].public_key().public_bytes(*spki) != private.public_key().public_bytes(*spki):
        raise InputError(f"{key}: does not match the first certificate in {chain}")
    _write_private_key(paths.signer_key, private)
    with atomic_output(paths.signer_chain) as tmp:
        tmp.write_bytes(b"".join(_pem(c) for c in certs))
    with atomic_output(paths.ca_cert) as tmp:
        tmp.write_bytes(_pem(certs[-1]))


def init_keys(
    *,
    name: str,
    subject: str | None = None,
    home: Path | None = None,
    force: bool = False,
    chain: Path | None = None,
    key: Path | None = None,
) -> KeyPaths:
    """Create this installation's identity, CA and C2PA signer (or import a chain and key).

    Parameters
    ----------
    name : str
        Human name put in the certificates (e.g. a studio or a person).
    subject : str, optional
        Also register the new identity as the key of this subject id in ``subjects.json``.
    home : Path, optional
        State folder; default :func:`likeness.settings.home`.
    force : bool
        Replace existing keys (otherwise an existing identity is an error).
    chain, key : Path, optional
        Bring your own C2PA signing chain (PEM, leaf first) and its private key instead of the
        local CA.

    Returns
    -------
    KeyPaths
    """
    paths = key_paths(home)
    if (chain is None) != (key is None):
        raise InputError("bring-your-own signing needs both --chain and --key")
    if paths.identity_key.exists() and not force:
        raise InputError(f"{paths.identity_key}: keys already exist (use --force to replace them)")
    paths.keys.mkdir(parents=True, exist_ok=True)
    os.chmod(paths.keys, 0o700)
    identity = ed25519.Ed25519PrivateKey.generate()
    _write_private_key(paths.identity_key, identity)
    if chain is not None and key is not None:
        _import_chain(paths, chain, key)
    else:
        now = dt.datetime.now(dt.UTC)
        ca_key, ca_cert = _make_ca(name, now)
        signer_key, signer_cert = _make_signer(name, ca_key, ca_cert, now)
        _write_private_key(paths.ca_key, ca_key)
        _write_private_key(paths.signer_key, signer_key)
        with atomic_output(paths.ca_cert) as tmp:
            tmp.write_bytes(_pem(ca_cert))
        with atomic_output(paths.signer_chain) as tmp:
            tmp.write_bytes(_pem(signer_cert) + _pem(ca_cert))
    if subject is not None:
        trust_subject(subject, public_key_text(identity), home=home)
    return paths


# --- trusted subjects -------------------------------------------------------------------------


def _read_registry(path: Path) -> dict[str, str]:
    """A JSON object of name -> public key text ({} when there is none yet)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: expected a JSON object of name -> public key: {e}") from e
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object of name -> public key")
    return {str(k): str(v) for k, v in data.items()}


def _register(path: Path, name: str, public_key: str) -> None:
    if not name:
        raise InputError("the name to trust a key for must not be empty")
    parse_public_key(public_key)
    registry = _read_registry(path)
    registry[name] = public_key
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump(registry, handle, indent=2, sort_keys=True)
        handle.write("\n")


def trusted_subjects(home: Path | None = None) -> dict[str, str]:
    """Subject id -> public key text, as registered with :func:`trust_subject`."""
    return _read_registry(key_paths(home).subjects)


def trust_subject(subject: str, public_key: str, *, home: Path | None = None) -> None:
    """Register ``public_key`` as the key that speaks for ``subject``'s likeness."""
    _register(key_paths(home).subjects, subject, public_key)


def trusted_makers(home: Path | None = None) -> dict[str, str]:
    """Installation name -> identity key text of the other installations whose twins are
    accepted here, as registered with :func:`trust_maker`."""
    return _read_registry(key_paths(home).makers)


def trust_maker(name: str, public_key: str, *, home: Path | None = None) -> None:
    """Accept the likeness assets (twins) another installation's identity ``public_key`` binds
    to their sources: its bindings then verify here as this installation's own do."""
    _register(key_paths(home).makers, name, public_key)
