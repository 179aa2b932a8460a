"""Wiring: record requests and build the runner from settings (used by ``jobs/erase.py`` and tests)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from governance.errors import AccessDeniedError, InputError, KeyNotFoundError
from retention.erasure.identifiers import Hasher, Identifier, normalize, parse_subject, token_candidate
from retention.erasure.ledger import REGULATIONS, ErasureRequest, Ledger

if TYPE_CHECKING:
    from governance.config import Settings


def _token_hashes(manager: Any, hasher: Hasher, idents: list[Identifier]) -> list[str]:
    """Keyed hashes of every deterministic token and keyed hash the identifiers have in any key domain."""
    from governance.protection.transforms import HashTransform, TokenTransform

    out: set[str] = set()
    try:
        domains = manager.known_domains()
    except Exception:  # noqa: BLE001 - no key table yet: nothing was ever tokenized
        return []
    refs = [(kind, d, v) for d in domains for kind in ("tok", "hsh") for v in manager.domain_versions(d, kind)]
    if not refs:
        return []
    try:
        keys = manager.domain_keys(refs)
    except KeyNotFoundError:
        return []
    except AccessDeniedError:
        raise AccessDeniedError(
            f"erasure must compute the subject's tokens in key domain(s) {', '.join(domains)} to find tokenized columns, "
            f"but the key provider refuses to unwrap their token keys for role '{getattr(manager.provider, 'role', '?')}'; "
            "grant the eraser role decrypt on the data KEK (Transit transit/decrypt/<kek_name>), otherwise tokenized "
            "values of the subject could not be found or verified"
        ) from None
    for (kind, d, v), key in keys.items():
        tf: Any = TokenTransform(domain=d, version=v, key=key, code="s") if kind == "tok" else HashTransform(domain=d, version=v, key=key, code="s")
        for ident in idents:
            variants = sorted({ident.value, normalize(ident.value, ident.kind)})
            for value in tf.apply(variants):
                tok = token_candidate(value) if value else None
                if tok:
                    out.add(hasher.token(*tok))
    return sorted(out)


def create_request(
    settings: "Settings",
    *,
    subject: list[str],
    regulation: str,
    received: date,
    hasher: Hasher,
    provider: Any | None = None,
    manager: Any | None = None,
    ledger: Ledger | None = None,
) -> ErasureRequest:
    """Validate the identifiers, hash them and record a new request.

    Args:
        subject: ``KEY=VALUE`` identifiers (held in memory only).
        regulation: ``gdpr`` or ``ccpa``.
        received: The day the request was received (the deadline counts from it).
        hasher: Keyed hasher of the lake's erasure key.
        provider: Key provider (subject references of the identifiers, for crypto-shredding).
        manager: Key manager (tokens of the identifiers in every key domain).

    Touches: the ledger (one append).

    Raises:
        InputError: Malformed identifier, unknown regulation, received date in the future.
    """
    if regulation not in REGULATIONS:
        raise InputError(f"unknown regulation {regulation!r}; valid choices: {', '.join(REGULATIONS)}")
    if received > date.today():
        raise InputError(f"received date {received.isoformat()} is in the future")
    idents = parse_subject(subject)
    ids = [{"key": i.key, "kind": i.kind, "entity": i.is_entity, "hash": hasher.identifier(i)} for i in idents]
    tokens = _token_hashes(manager, hasher, idents) if manager is not None else []
    refs: list[str] = []
    if provider is not None:
        values = sorted({i.value for i in idents} | {normalize(i.value, i.kind) for i in idents})
        refs = sorted(set(provider.subject_refs(values)))
    return (ledger or Ledger(settings)).create(
        regulation=regulation, received=received, identifiers={"ids": ids, "tokens": tokens, "refs": refs}
    )
