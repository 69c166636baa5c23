"""The platform's signing key for the deployment's crypto suite (``GGZY_CRYPTO_SUITE``).

``intl``: the ECDSA P-256 key at ``GGZY_PLATFORM_KEY_PATH``; ``sm``: an SM2 key next to it
(``platform-key-sm2.pem``), each created on first use (mode 0600). Audit checkpoints, bid receipts,
opening records and backup manifests sign with this and record the algorithm; they verify with
:func:`platform_public_pem` / :func:`platform_signature_valid`, which read the key of the
artefact's own suite, so a deployment that switched suite still verifies what it signed before
(docs/adr/0028-sm2-certificates.md). It lives in ``audit``, the lowest app with settings, so every
app above may call it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from ggzy.sealing import signing, suites


def platform_suite() -> str:
    """The deployment's crypto suite: "intl" or "sm"."""
    return str(getattr(settings, "GGZY_CRYPTO_SUITE", suites.INTL) or suites.INTL)


def platform_signing_key(*, suite: str | None = None) -> signing.SigningKey | suites.SMSigningKey:
    """The platform key of ``suite`` (default: the deployment's), created on first use."""
    return signing.load_or_create_for_suite(Path(settings.GGZY_PLATFORM_KEY_PATH), suite or platform_suite())


def platform_signature_algorithm(*, suite: str | None = None) -> str:
    """What :func:`platform_signing_key` signs with: "ecdsa-p256-sha256" or "sm2-sm3"."""
    return signing.ALGORITHM_OF_SUITE[suite or platform_suite()]


ALGORITHM_LABELS = {"ecdsa-p256-sha256": "ECDSA P-256 / SHA-256", "sm2-sm3": "SM2 / SM3"}


def algorithm_label(algorithm: str) -> str:
    """How a page names a platform signature algorithm ("SM2 / SM3")."""
    return ALGORITHM_LABELS.get(algorithm, algorithm)


def platform_public_pem(*, suite: str | None = None) -> bytes | None:
    """The public key (SPKI PEM) of the platform key of ``suite`` (default: the deployment's).

    The deployment's own key is created on first use; the other suite's key is only read, and
    ``None`` means it was never made — so nothing was ever signed with it. What a receipt, an
    opening record or a backup manifest of that suite verifies against."""
    suite = suite or platform_suite()
    suites.suite_by_name(suite)
    if suite != platform_suite():
        path = signing.suite_key_path(Path(settings.GGZY_PLATFORM_KEY_PATH), suite)
        if not path.exists():
            return None
    return platform_signing_key(suite=suite).public_pem()


def platform_signature_valid(
    *, message: bytes, signature: str, algorithm: str | None = None, key_id: str | None = None
) -> bool:
    """True when ``signature`` (base64 DER) over ``message`` was made by this platform's key of
    ``algorithm`` ("ecdsa-p256-sha256" | "sm2-sm3"). Without an algorithm, by whichever of its
    keys has the id ``key_id`` (artefacts that record only the key id). With a ``key_id`` the key
    must also have that id. Never creates a key of a suite the deployment does not use."""
    if algorithm is not None:
        if algorithm not in signing.SUITE_OF_ALGORITHM:
            return False
        candidates = [signing.SUITE_OF_ALGORITHM[algorithm]]
    else:
        candidates = list(suites.SUITES)
    for suite in candidates:
        pem = platform_public_pem(suite=suite)
        if pem is None or (key_id is not None and suites.public_key_id16(pem)[1] != key_id):
            continue
        if suites.verify_b64(pem, message, signature):
            return True
    return False
