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


def known_entities(settings: "Settings") -> set[str]:
    """Entity names a subject key may use: the erasure normalizers' and every configured recognizer's."""
    from retention.erasure.identifiers import ENTITY_KINDS

    names = set(ENTITY_KINDS)
    try:
        from classification.registry import build_pattern_recognizers, load_recognizer_config

        for r in build_pattern_recognizers(load_recognizer_config(settings.recognizers)):
            names.update(r.supported_entities)
    except Exception:  # noqa: BLE001 - a broken recognizer file is reported by classify, not here
        pass
    return names


def lake_columns(settings: "Settings") -> set[str]:
    """Top-level column names of every Delta table under the lake root (read from their logs)."""
    from governance.features import table_columns
    from governance.lake import list_tables

    out: set[str] = set()
    for path in list_tables(settings.lake.root, system_dir=settings.lake.system_dir):
        try:
            out.update(table_columns(path))
        except Exception:  # noqa: BLE001 - an unreadable table is named by the run that reads it
            continue
    return out


def check_subject_keys(idents: list[Identifier], *, entities: set[str], columns: set[str]) -> None:
    """Refuse a key that is neither a known entity nor a column of any table (a typo would erase nothing).

    Raises:
        InputError: Names the key, the closest valid choices and where the choices come from.
    """
    import difflib

    for i in idents:
        if i.is_entity or i.key in columns:
            continue
        choices = sorted(entities) + sorted(columns)
        near = difflib.get_close_matches(i.key, choices, n=3, cutoff=0.5) or difflib.get_close_matches(
            i.key.upper(), sorted(entities), n=3, cutoff=0.4)
        hint = f" Did you mean {' or '.join(near)}?" if near else ""
        raise InputError(
            f"subject identifier key {i.key!r} is neither an entity the recognizers know nor a column of any table in the "
            f"lake, so it could match nothing.{hint} Valid entities: {', '.join(sorted(entities))}; columns: "
            f"{', '.join(sorted(columns)[:40]) or 'none'}{' ...' if len(columns) > 40 else ''}"
        )


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
        InputError: Malformed identifier, a key that is neither a known entity nor a column of the
            lake, unknown regulation, received date in the future.
    """
    if regulation not in REGULATIONS:
        raise InputError(f"unknown regulation {regulation!r}; valid choices: {', '.join(REGULATIONS)}")
    if received > date.today():
        raise InputError(f"received date {received.isoformat()} is in the future")
    entities = known_entities(settings)
    idents = parse_subject(subject, known_entities=entities)
    check_subject_keys(idents, entities=entities, columns=lake_columns(settings))
    ids = [{"key": i.key, "kind": i.kind, "entity": i.is_entity, "hash": hasher.identifier(i)} for i in idents]
    tokens = _token_hashes(manager, hasher, idents) if manager is not None else []
    refs: list[str] = []
    if provider is not None:
        values = sorted({i.value for i in idents} | {normalize(i.value, i.kind) for i in idents})
        refs = sorted(set(provider.subject_refs(values)))
    return (ledger or Ledger(settings)).create(
        regulation=regulation, received=received, identifiers={"ids": ids, "tokens": tokens, "refs": refs}
    )
