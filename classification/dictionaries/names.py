"""First and last names of 105 countries, from the ``names-dataset`` package (MIT licence).

The package ships two pickles (about 1.7M names, 1 GB of memory each to load). Lakewarden
keeps only the names ranked within ``max_rank`` in at least one country, case-folded, with
an accent-free copy, and caches that set once per machine as a small gzip text file
(``$LAKEWARDEN_CACHE_DIR`` or ``~/.cache/lakewarden/names/``). Every later process (each
Spark Python worker) loads the cache in well under a second.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.resources
import os
import pickle
import threading
from pathlib import Path
from typing import Literal

from classification.dictionaries.text import cached_set, variants
from governance.errors import ConfigError

_lock = threading.Lock()
_loaded: dict[tuple[str, int], frozenset[str]] = {}
NameKind = Literal["first", "last", "any"]
_PARTS: dict[str, tuple[str, ...]] = {"first": ("first_names.pkl.gz",), "last": ("last_names.pkl.gz",), "any": ("first_names.pkl.gz", "last_names.pkl.gz")}

#: Name particles that are part of names in many languages but not names themselves.
PARTICLES = frozenset(
    "van von der den de del della di da das dos du la le les el al bin ben ibn ter ten zu y e i af av mac mc st".split()
)


def cache_dir() -> Path:
    """Where derived dictionaries are cached (``$LAKEWARDEN_CACHE_DIR/names`` or ``~/.cache/lakewarden/names``)."""
    base = os.environ.get("LAKEWARDEN_CACHE_DIR")
    root = Path(base) if base else Path.home() / ".cache" / "lakewarden"
    return root / "names"


def _source_version() -> str:
    try:
        return importlib.metadata.version("names-dataset")
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(
            "the person_names profiler needs the names-dataset package (pinned in requirements.lock); "
            "install it or set profilers.person_names.enabled: false in conf/recognizers.yaml"
        ) from None


def _build(kind: NameKind, max_rank: int) -> set[str]:
    names: set[str] = set()
    pkg = importlib.resources.files("names_dataset") / "v3"
    for part in _PARTS[kind]:
        with (pkg / part).open("rb") as raw, gzip.open(raw) as fh:
            table = pickle.load(fh)  # noqa: S301 - data shipped by a pinned, hash-locked package
        for name, info in table.items():
            ranks = info.get("rank") or {}
            if not ranks or min(ranks.values()) > max_rank:
                continue
            for tok in name.replace("-", " ").split():
                if len(tok) >= 2 and tok.isalpha():
                    names.update(variants(tok))
        del table
    return names


def load_names(*, max_rank: int, kind: NameKind = "any") -> frozenset[str]:
    """The set of case-folded names (first, last or both) ranked within ``max_rank`` in some country.

    Builds and caches the set on first use on this machine (about 20 s, 2 GB of memory, once).

    Raises:
        ConfigError: names-dataset is not installed.
    """
    key = (kind, max_rank)
    got = _loaded.get(key)
    if got is not None:
        return got
    with _lock:
        got = _loaded.get(key)
        if got is not None:
            return got
        suffix = "" if kind == "any" else f"-{kind}"
        path = cache_dir() / f"names-dataset-{_source_version()}{suffix}-rank{max_rank}.txt.gz"
        got = cached_set(path, lambda: _build(kind, max_rank))
        _loaded[key] = got
        return got
