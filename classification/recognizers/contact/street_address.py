"""STREET_ADDRESS: a house number and street name with a street-type word (English-speaking formats)."""

from __future__ import annotations

from classification.recognizers.base import LakewardenPatternRecognizer

_STREET_TYPES = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|way|court|ct|place|pl|terrace|ter|"
    "square|sq|parkway|pkwy|highway|hwy|close|crescent|cres|gardens|row|hill|mews|walk|circle|cir|trail|trl|"
    # USPS Publication 28, appendix C1: the primary street suffixes used in US (and many UK) addresses
    "alley|aly|annex|anx|arcade|bayou|beach|bend|bluffs?|bottom|branch|bridge|brooks?|burgs?|bypass|camp|canyon|cape|"
    "causeway|centers?|circles|cliffs?|club|commons?|corners?|course|courts|coves?|creek|crest|crossing|crossroads?|"
    "curve|dale|dam|divide|drives|estates?|expressway|extensions?|falls?|ferry|fields?|flats|fords?|forest|forges?|"
    "forks?|fort|freeway|garden|gateway|glens?|greens?|groves?|harbors?|haven|heights|hills|hollow|inlet|islands?|"
    "isle|junctions?|keys?|knolls?|lakes?|landing|lights?|loaf|locks?|lodge|loop|mall|manors?|meadows?|mills?|mission|"
    "motorway|mount|mountains?|neck|orchard|oval|overpass|parks?|parkways|pass|passage|path|pike|pines?|plains?|"
    "plaza|points?|ports?|prairie|radial|ramp|ranch|rapids?|rest|ridges?|river|roads|route|run|shoals?|shores?|"
    "skyway|springs?|spurs?|squares|station|stravenue|stream|streets|summit|throughway|trace|track|trafficway|"
    "tunnel|turnpike|underpass|unions?|valleys?|viaduct|views?|villages?|ville|vista|walks|wall|ways|wells?"
)


class StreetAddressRecognizer(LakewardenPatternRecognizer):
    """``221B Baker Street``, ``1600 Pennsylvania Ave NW``, ``10 Downing St``; an optional unit after it."""

    ENTITY = "STREET_ADDRESS"
    PATTERNS = [
        (
            "number + street",
            r"\b\d{1,6}[A-Za-z]?\s+(?:[A-Za-z][A-Za-z'.\-]*\s+){1,4}(?:" + _STREET_TYPES + r")\b\.?"
            r"(?:\s+(?:N|S|E|W|NE|NW|SE|SW))?(?:,?\s+(?:apt|suite|unit|#)\s*\w+)?",
            0.6,
        ),
        ("po box", r"\bP\.?\s?O\.?\s+Box\s+\d{1,6}\b", 0.5),
    ]
    CONTEXT = ["address", "street", "addr", "residence", "home", "mailing", "billing", "shipping", "line1"]
