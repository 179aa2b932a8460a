"""The key manager: data keys per domain, per ``encrypt`` run and per data subject.

It combines a :class:`~governance.keys.base.KeyProvider` (which holds the KEKs) with the
Delta key tables (which hold wrapped data keys only). Unwrapped keys live in this object's
memory for the duration of a job and are never logged, printed or written.

Touches: ``<lake>/_lakewarden/keys`` and ``<lake>/_lakewarden/subject_keys``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from governance.config import Settings
from governance.errors import KeyFileError, KeyNotFoundError
from governance.keys.base import KeyProvider, Role, WrapKek, wrapped_version
from governance.keys.store import KeyRow, KeyTables, SubjectKeyRow, now_iso
from governance.protection.codec import check_domain

if TYPE_CHECKING:
    from governance.protection.transforms import SubjectKeying

DomainKind = Literal["tok", "hsh"]
_BITS: dict[str, int] = {"tok": 512, "hsh": 256}


def open_provider(settings: Settings, role: Role, *, environ: dict[str, str] | None = None) -> KeyProvider:
    """The configured provider acting as ``role`` (``keys.provider``: ``local`` or ``vault``).

    Raises:
        KeyFileError: Local master key missing/invalid. AuthenticationError: no AppRole credentials.
    """
    env = dict(os.environ if environ is None else environ)
    if settings.keys.provider == "vault":
        from governance.keys.vault import VaultKeyProvider

        return VaultKeyProvider.for_role(settings.keys.vault, role, environ=env)
    from governance.keys.local import LocalKeyProvider, parse_master_key

    name = settings.keys.local.master_key_env
    if not env.get(name):
        raise KeyFileError(f"the local key provider needs a master key in ${name} (32 bytes, base64); none is set")
    path = settings.keys.local.keyring_path or settings.system_table("keyring.json")
    return LocalKeyProvider(keyring_path=path, master_key=parse_master_key(env[name], env=name))


def key_tables(settings: Settings) -> KeyTables:
    """The key tables under the lake's system folder."""
    return KeyTables(keys_path=settings.system_table("keys"), subject_keys_path=settings.system_table("subject_keys"))


@dataclass
class DestroyReport:
    """Outcome of destroying subject keys (no subject values, only counts)."""

    subjects: int
    keys: int
    dry_run: bool
    removed_files: list[str] = field(default_factory=list)

    def statement(self) -> str:
        verb = "would destroy" if self.dry_run else "destroyed"
        return (
            f"{verb} {self.keys} key(s) of {self.subjects} subject(s); their values are unreadable in every "
            f"Delta version, clone and backup of every table" + ("" if self.dry_run else f"; {len(self.removed_files)} key-table file(s) removed")
        )


@dataclass
class RewrapReport:
    """Counts of data keys re-wrapped per KEK."""

    rewrapped: dict[str, int]
    latest: dict[str, int]
    dry_run: bool


class KeyManager:
    """Data keys for protection and reveal. See the module docstring.

    Args:
        provider: KEK holder acting as the job's role.
        tables: The Delta key tables.
    """

    def __init__(self, provider: KeyProvider, tables: KeyTables) -> None:
        self.provider = provider
        self.tables = tables
        self._rows: list[KeyRow] | None = None
        self._plain: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return f"KeyManager({self.provider!r})"

    @classmethod
    def from_settings(cls, settings: Settings, role: Role, *, environ: dict[str, str] | None = None) -> "KeyManager":
        return cls(open_provider(settings, role, environ=environ), key_tables(settings))

    # -- domain keys ----------------------------------------------------------------------
    def _key_rows(self, refresh: bool = False) -> list[KeyRow]:
        if self._rows is None or refresh:
            rows = self.tables.key_rows()
            # Two concurrent creators may both append a key id: everybody picks the same one.
            best: dict[str, KeyRow] = {}
            for r in sorted(rows, key=lambda r: (r.created_at, r.wrapped)):
                best.setdefault(r.key_id, r)
            self._rows = list(best.values())
        return self._rows

    @staticmethod
    def domain_key_id(kind: str, domain: str, version: int) -> str:
        return f"{kind}:{domain}:{version}"

    def domain_versions(self, domain: str, kind: DomainKind) -> list[int]:
        """Existing versions of a domain's key of ``kind``, ascending."""
        return sorted(r.version for r in self._key_rows() if r.kind == kind and r.domain == domain)

    def latest_version(self, domain: str, kind: DomainKind) -> int | None:
        versions = self.domain_versions(domain, kind)
        return versions[-1] if versions else None

    def _create_domain_key(self, domain: str, kind: DomainKind, version: int) -> None:
        _, wrapped = self.provider.generate_data_key(bits=_BITS[kind])
        self.tables.add_keys([
            KeyRow(
                key_id=self.domain_key_id(kind, domain, version), kind=kind, domain=domain, version=version,
                wrapped=wrapped, kek="data", kek_version=wrapped_version(wrapped), created_at=now_iso(),
            )
        ])
        self._key_rows(refresh=True)

    def ensure_domain_key(self, domain: str, kind: DomainKind) -> int:
        """Latest version of the domain key, creating version 1 if the domain is new (protector)."""
        check_domain(domain)
        v = self.latest_version(domain, kind)
        if v is None:
            self._create_domain_key(domain, kind, 1)
            v = 1
        return v

    def domain_keys(self, refs: Iterable[tuple[DomainKind, str, int]]) -> dict[tuple[str, str, int], bytes]:
        """Unwrap domain keys in one batch: ``(kind, domain, version)`` -> key bytes.

        Raises:
            KeyNotFoundError: A version does not exist.
        """
        wanted = sorted(set(refs))
        rows = {(r.kind, r.domain, r.version): r for r in self._key_rows()}
        missing = [w for w in wanted if w not in rows]
        if missing:
            rows = {(r.kind, r.domain, r.version): r for r in self._key_rows(refresh=True)}
            missing = [w for w in wanted if w not in rows]
        if missing:
            k, d, v = missing[0]
            raise KeyNotFoundError(f"no {k} key version {v} for domain '{d}' in key table {self.tables.keys_path}")
        todo = [w for w in wanted if rows[w].key_id not in self._plain]
        if todo:
            keys = self.provider.unwrap("data", [rows[w].wrapped for w in todo])
            for w, key in zip(todo, keys, strict=True):
                self._plain[rows[w].key_id] = key
        return {w: self._plain[rows[w].key_id] for w in wanted}

    def rotate(self, domain: str) -> dict[str, int]:
        """New version of the domain's token and hash keys; new writes use it. Returns new versions."""
        check_domain(domain)
        out = {}
        for kind in ("tok", "hsh"):
            v = (self.latest_version(domain, kind) or 0) + 1  # type: ignore[arg-type]
            self._create_domain_key(domain, kind, v)  # type: ignore[arg-type]
            out[kind] = v
        return out

    def known_domains(self) -> list[str]:
        return sorted({r.domain for r in self._key_rows() if r.kind in ("tok", "hsh")})

    # -- encrypt (hybrid) keys ------------------------------------------------------------
    def new_encrypt_key(self, domain: str) -> tuple[str, bytes]:
        """A fresh AES-256 data key for ``encrypt`` actions, wrapped with the PUBLIC encrypt KEK.

        The caller keeps the plaintext for this job only; afterwards only a role that may
        unwrap with the private half (revealer) can read the values.
        """
        check_domain(domain)
        key = os.urandom(32)
        (wrapped,) = self.provider.wrap_public([key])
        key_id = "e" + uuid.uuid4().hex[:19]
        self.tables.add_keys([
            KeyRow(key_id=key_id, kind="enc", domain=domain, version=0, wrapped=wrapped, kek="encrypt",
                   kek_version=wrapped_version(wrapped), created_at=now_iso())
        ])
        self._key_rows(refresh=True)
        return key_id, key

    def encrypt_key_domain(self, key_id: str) -> str | None:
        """Domain of an ``encrypt`` data key (None if unknown)."""
        for r in self._key_rows():
            if r.kind == "enc" and r.key_id == key_id:
                return r.domain
        return None

    def encrypt_keys(self, key_ids: Iterable[str]) -> dict[str, bytes]:
        """Unwrap ``encrypt`` data keys (revealer). Unknown ids are absent from the result."""
        wanted = sorted(set(key_ids) - set(self._plain))
        rows = {r.key_id: r for r in self._key_rows(refresh=bool(wanted)) if r.kind == "enc"}
        todo = [k for k in wanted if k in rows]
        if todo:
            for k, key in zip(todo, self.provider.unwrap("encrypt", [rows[k].wrapped for k in todo]), strict=True):
                self._plain[k] = key
        return {k: self._plain[k] for k in set(key_ids) if k in self._plain}

    # -- subject keys ---------------------------------------------------------------------
    def new_subject_keying(self, subjects: Sequence[str]) -> "SubjectKeying":
        """Fresh keys for the given subject identities, wrapped and stored (protector).

        Returns the keying that derives them (``keying.key_of(subject)`` -> key id, key); for a
        table's worth of subjects use :meth:`store_subject_keys` with identities streamed in chunks.
        """
        from governance.protection.transforms import SubjectKeying

        keying = SubjectKeying(secret=os.urandom(32))
        self.store_subject_keys(keying.secret, [sorted(set(subjects))])
        return keying

    def store_subject_keys(self, secret: bytes, chunks: Iterable[Sequence[str]]) -> int:
        """Wrap and store the key of every subject identity in ``chunks``, derived under ``secret`` (protector).

        Each chunk's keys are derived (:func:`~governance.protection.transforms.subject_key`), their
        references computed and the keys wrapped by the provider, one chunk at a time, and all of them
        are appended to ``_lakewarden/subject_keys`` in one commit, so memory is bounded by the chunk,
        not by the number of subjects. The protector never unwraps an existing subject key.

        Returns:
            The number of identities stored (each chunk's identities must be distinct from all others).
        """
        from governance.protection.transforms import subject_key

        count = 0

        def rows() -> Iterable[list[SubjectKeyRow]]:
            nonlocal count
            for chunk in chunks:
                if not chunk:
                    continue
                ids, keys = zip(*(subject_key(secret, s) for s in chunk), strict=True)
                refs = self.provider.subject_refs(chunk)
                wrapped = self.provider.wrap("subject", list(keys))
                ts = now_iso()
                count += len(chunk)
                yield [
                    SubjectKeyRow(key_id=i, subject_ref=r, wrapped=w, kek_version=wrapped_version(w), created_at=ts)
                    for i, r, w in zip(ids, refs, wrapped, strict=True)
                ]

        self.tables.add_subject_key_batches(rows())
        return count

    def subject_keys(self, key_ids: Iterable[str]) -> dict[str, bytes]:
        """Unwrap subject keys (revealer). Destroyed keys are absent from the result."""
        wanted = set(key_ids)
        rows = {r.key_id: r for r in self.tables.subject_rows_where(key_ids=wanted)}
        todo = sorted(rows)
        if not todo:
            return {}
        keys = self.provider.unwrap("subject", [rows[k].wrapped for k in todo])
        return dict(zip(todo, keys, strict=True))

    def destroy_subjects(self, subjects: Sequence[str], *, dry_run: bool = True) -> DestroyReport:
        """Destroy every key of the given data subjects (crypto-shredding).

        Deletes their rows from the subject key table (rewriting only the files that hold them),
        then purges the table's history (vacuum 0h, checkpoint, log cleanup) so no version or log
        file keeps them.
        """
        distinct = sorted(set(subjects))
        refs = set(self.provider.subject_refs(distinct)) if distinct else set()
        doomed = self.tables.subject_rows_where(subject_refs=refs)
        report = DestroyReport(subjects=len(distinct), keys=len(doomed), dry_run=dry_run)
        if dry_run or not doomed:
            return report
        self.tables.delete_subject_keys(subject_refs=refs)
        report.removed_files = self.tables.purge_subject_history()
        return report

    # -- lifecycle ------------------------------------------------------------------------
    def rewrap(self, *, dry_run: bool = True) -> RewrapReport:
        """Re-wrap every stored data key under the newest KEK version (data untouched)."""
        latest = self.provider.kek_versions()
        rows = self._key_rows(refresh=True)
        counts: dict[str, int] = {"data": 0, "encrypt": 0, "subject": 0}
        new_rows = list(rows)
        for kek in ("data", "encrypt"):
            idx = [i for i, r in enumerate(rows) if r.kek == kek and r.kek_version < latest[kek]]
            counts[kek] = len(idx)
            if idx and not dry_run:
                fresh = self.provider.rewrap(kek, [rows[i].wrapped for i in idx])  # type: ignore[arg-type]
                for i, w in zip(idx, fresh, strict=True):
                    r = rows[i]
                    new_rows[i] = KeyRow(r.key_id, r.kind, r.domain, r.version, w, r.kek, wrapped_version(w), r.created_at)
        subj = self.tables.subject_rows()
        sidx = [i for i, r in enumerate(subj) if r.kek_version < latest["subject"]]
        counts["subject"] = len(sidx)
        if not dry_run:
            if counts["data"] or counts["encrypt"]:
                self.tables.replace_keys(new_rows)
                self._key_rows(refresh=True)
            if sidx:
                fresh = self.provider.rewrap("subject", [subj[i].wrapped for i in sidx])
                new_subj = list(subj)
                for i, w in zip(sidx, fresh, strict=True):
                    sr = subj[i]
                    new_subj[i] = SubjectKeyRow(sr.key_id, sr.subject_ref, w, wrapped_version(w), sr.created_at)
                self.tables.replace_subject_keys(new_subj)
        return RewrapReport(rewrapped=counts, latest=latest, dry_run=dry_run)

    def rotate_kek(self, kek: WrapKek) -> int:
        """New KEK version (administrator on Vault). Existing wrapped keys still unwrap; run rewrap."""
        return self.provider.rotate_kek(kek)

    def status_rows(self) -> list[dict[str, object]]:
        """Key inventory without key material: one row per domain/kind, plus encrypt and subject counts."""
        rows = self._key_rows(refresh=True)
        out: list[dict[str, object]] = []
        for (kind, domain) in sorted({(r.kind, r.domain) for r in rows if r.kind in ("tok", "hsh")}):
            vs = sorted(r.version for r in rows if r.kind == kind and r.domain == domain)
            keks = sorted({r.kek_version for r in rows if r.kind == kind and r.domain == domain})
            out.append({"kind": kind, "domain": domain, "versions": ",".join(map(str, vs)), "latest": vs[-1],
                        "kek_versions": ",".join(map(str, keks)), "keys": len(vs)})
        for domain in sorted({r.domain for r in rows if r.kind == "enc"}):
            sel = [r for r in rows if r.kind == "enc" and r.domain == domain]
            out.append({"kind": "enc", "domain": domain, "versions": "-", "latest": "-",
                        "kek_versions": ",".join(map(str, sorted({r.kek_version for r in sel}))), "keys": len(sel)})
        subj = self.tables.subject_kek_versions()
        if subj:
            out.append({"kind": "sub", "domain": "(subjects)", "versions": "-", "latest": "-",
                        "kek_versions": ",".join(map(str, sorted(subj))), "keys": sum(subj.values())})
        return out

    def forget(self) -> None:
        """Drop every unwrapped key from memory."""
        self._plain.clear()
