"""Signed erasure receipts: what was erased, where, when, and that the scan found nothing.

Written to ``<lake>/_lakewarden/erasure_receipts/<request id>.json``. The signature covers the
canonical JSON of every other field: Ed25519 (verifiable with the lake's public key alone)
or HMAC-SHA256 (needs the erasure key). A receipt names tables, versions, counts and key
*counts* only; it never holds an identifier, a hash of one, or key material.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from governance.config import Settings, join_path
from governance.errors import InputError, VerificationFailedError
from governance.storage import canonical as canonical_url, storage_for
from retention.erasure.ledger import ErasureRequest, now_iso
from retention.erasure.secrets import ErasureKeys, public_key, verify_signature

FORMAT = "lakewarden-erasure-receipt/1"


def receipts_dir(settings: Settings) -> str:
    """Folder of the lake's receipts (local path or ``s3://`` URL)."""
    return settings.system_table("erasure_receipts")


def canonical(body: dict[str, Any]) -> bytes:
    """The signed bytes: sorted-key compact JSON."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def build_receipt(req: ErasureRequest) -> dict[str, Any]:
    """The receipt body of a verified request (unsigned)."""
    prog = req.progress
    tables = []
    for name, tp in sorted(prog.get("tables", {}).items()):
        purged = prog.get("purged", {}).get(name, {})
        tables.append({
            "table": name,
            "state": tp.get("state"),
            "version_before": tp.get("version_before"),
            "version_after": tp.get("version_after"),
            "rows_removed": int(tp.get("rows_removed", 0)),
            "files_rewritten": int(tp.get("files_rewritten", 0)),
            "files_removed": int(tp.get("files_removed", 0)),
            "partitions": tp.get("partitions", []),
            "columns_searched": list(tp.get("columns_searched", [])),
            "history_purged": bool(purged),
            "old_data_files_deleted": int(purged.get("data_files", 0)),
            "log_files_deleted": int(purged.get("log_files", 0)),
            **({"bucket_versioning": purged["bucket_versioning"],
                "noncurrent_object_versions_deleted": int(purged.get("noncurrent_versions", 0)),
                "delete_markers_deleted": int(purged.get("delete_markers", 0))} if "bucket_versioning" in purged else {}),
        })
    rows = sum(t["rows_removed"] for t in tables)
    keys = int(prog.get("keys", {}).get("destroyed", 0))
    matched = rows > 0 or keys > 0 or any(t["history_purged"] for t in tables)
    return {
        "format": FORMAT,
        "request_id": req.request_id,
        "regulation": req.regulation,
        "received": req.received.isoformat(),
        "deadline": req.deadline.isoformat(),
        "identifier_keys": sorted({i["key"] for i in req.identifiers.get("ids", [])}),
        "derived_identifiers": {k: sum(1 for d in prog.get("derived", []) if d["key"] == k)
                                for k in sorted({d["key"] for d in prog.get("derived", [])})},
        "matched": matched,
        "statement": (
            f"removed {rows} row(s) from {sum(1 for t in tables if t['rows_removed'])} table(s), destroyed {keys} "
            f"per-subject key(s); a scan of every file under the lake found none of the subject's identifiers"
            if matched else
            f"NOT FOUND: no data in the lake matched the subject's identifiers. Searched {len(tables)} table(s) "
            f"({', '.join(t['table'] for t in tables) or 'none'}) in {sum(len(t['columns_searched']) for t in tables)} "
            "column(s) at the versions listed, and a scan of every file under the lake found none of them. "
            "Nothing was erased: check the identifiers"
        ),
        "outcome": "erased" if matched else "not_found",
        "tables": tables,
        "rows_removed": rows,
        "files_rewritten": sum(t["files_rewritten"] for t in tables),
        "keys_destroyed": keys,
        "verification": prog.get("verification", {}),
        "timestamps": {**prog.get("timestamps", {}), "receipt": now_iso()},
    }


def write_receipt(settings: Settings, req: ErasureRequest, keys: ErasureKeys, *, alg: str = "ed25519") -> str:
    """Sign and write the receipt of ``req``; returns its path.

    Touches: ``<lake>/_lakewarden/erasure_receipts/<id>.json``.
    """
    body = build_receipt(req)
    doc = {**body, "signature": {"alg": alg, "key_id": keys.key_id, "value": keys.sign(canonical(body), alg=alg)}}  # type: ignore[arg-type]
    path = join_path(receipts_dir(settings), f"{req.request_id}.json")
    storage_for(path).write_bytes(path, json.dumps(doc, indent=2, sort_keys=True, default=str).encode("utf-8"))
    return path


def load_receipt(path: str) -> dict[str, Any]:
    """Read a receipt file.

    Raises:
        InputError: Missing or not a receipt.
    """
    try:
        doc = json.loads(storage_for(path).read_bytes(canonical_url(path)).decode("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: receipt file not found") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable receipt ({type(exc).__name__})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or "signature" not in doc:
        raise InputError(f"{path}: not a Lakewarden erasure receipt")
    return doc


def check_signature(settings: Settings, doc: dict[str, Any], *, keys: ErasureKeys | None = None) -> None:
    """Verify a receipt's signature against this lake's signing key.

    Raises:
        VerificationFailedError: Edited receipt, or signed by another key.
    """
    sig = doc["signature"]
    body = {k: v for k, v in doc.items() if k != "signature"}
    key_id, pub = public_key(settings)
    if sig.get("alg") == "ed25519" and sig.get("key_id") != key_id:
        raise VerificationFailedError(f"receipt {doc.get('request_id')} was signed by key {sig.get('key_id')}, not this lake's key {key_id}")
    verify_signature(canonical(body), sig.get("value", ""), alg=sig.get("alg", ""), public_key_b64=pub,
                     hmac_key=keys.hmac_key() if keys else None)
