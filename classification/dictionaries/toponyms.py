"""The shape of a place name: words that name towns in many languages, whatever the town.

Gazetteers miss villages, new suburbs and towns spelled otherwise; place names, though, are built
from a small stock of parts: a feature or direction word ("North", "Lake", "San", "Bad", "Nowy"),
a settlement ending ("-ville", "-dorf", "-veen", "-köping", "-háza", "-köy"), or a geographic
qualifier after the name ("-sur-Mer", "do Sul", "am Main", "los Altos"). :func:`toponym_shaped`
tells whether a value is built that way. Surnames are often built from place names too
("Lindberg", "Ashford"), so a shape is weak evidence on its own: the ``cities`` profiler counts it
only beside towns the gazetteer confirms.
"""

from __future__ import annotations

import functools

import regex as re

#: Words that begin a place name ("North Samantha", "San Marcela", "Bad Tölz", "Nowy Targ").
_LEADING = (
    "north|south|east|west|new|old|lake|port|fort|mount|upper|lower|great|little|"
    "san|santa|santo|são|saint|sainte|st|ste|villa|villar|villanueva|borgo|castel|castello|monte|porto|puerto|"
    "bad|groß|gross|klein|neu|alt|ober|nieder|unter|sankt|"
    "nowy|nowa|nowe|stary|stara|stare|velké|velký|malé|malý|nové|nový|staré|starý|horní|dolní|nagy|kis|"
    "nueva|nuevo|vila|ciudad|colonia|ville|mont|pont|vieux|vieille|nord|sud|lille|store|øvre|nedre|östra|västra|"
    "nieuw|oud|groot|hoog|laag|oost|noord|zuid|sint|ban|bandar|kota"
)
#: Endings of the last word that mark a settlement ("Kelseyhaven", "Eilenburg", "Anerveen", "Ligetkövesd").
_ENDINGS = (
    "ville|ton|town|burgh|borough|bury|shire|mouth|haven|port|fort|view|side|land|chester|caster|ford|field|"
    "wood|dale|stad|stadt|berg|burg|furt|ham|wick|worth|ley|by|bridge|well|stead|cliff|combe|"
    "dorf|hausen|heim|ingen|bach|stein|feld|rode|hagen|münde|brück|brücken|kirchen|leben|"
    "dam|dijk|veen|oord|huizen|horst|wijk|woude|drecht|recht|kerk|broek|hoven|zijl|gouw|sloot|meer|hem|"
    "sund|vik|holm|köping|torp|arp|sjö|heden|strand|rup|lev|sted|bæk|fjord|målen|stuga|hult|ryd|red|"
    "falu|falva|háza|haza|bánya|banya|vár|var|hely|egyháza|kövesd|telek|halom|füred|fürdő|berény|haraszti|lak|"
    "szállás|apáti|szeg|keresztúr|föld|szentmiklós|újfalu|"
    "ów|owo|owice|ice|iny|ino|nica|wice|sk|ovo|evo|ovce|any|ín|ec|"
    "köy|kent|abad|ova|pınar|dere|tepe|hisar|"
    "court|bourg|mont|château|val|ac|"
    "polis|grad|gorod|pol|ovka|evka|ivka|ske|sko"
)
#: A geographic qualifier after the name ("Masson-sur-Mer", "Alves do Sul", "San Anabel los bajos").
_QUALIFIER = (
    r"(?:[\s-](?:sur|sous|lès|les|en|le|la|aux)[\s-]\w+)|"
    r"(?:\s(?:do|da|dos|das|de|del|di|de la|am|an der|im|bei|upon|on|on the|an|in)\s"
    r"(?:sul|norte|leste|oeste|campo|campos|rios|rio|serra|prata|mar|monte|minas|goiás|mata|abajo|arriba|"
    r"sopra|sotto|main|rhein|donau|see|sea|hill|hills|lake|tyne|thames|avon|the\s\w+|\w+e?s?\s?bains?|"
    r"alegre|galho|mato|mato grosso|\w+ia))|"
    r"(?:\s(?:los|las|el|la)\s(?:altos|bajos|alto|bajo|llanos|arroyos|lagos|pinos|montes|ríos))"
)
_LEADING_RE = re.compile(rf"^(?:{_LEADING})\.?[\s-]+\p{{Lu}}", re.IGNORECASE | re.V1)
_ENDING_RE = re.compile(rf"\p{{L}}{{2,}}(?:{_ENDINGS})$", re.IGNORECASE | re.V1)
_QUALIFIER_RE = re.compile(rf"\p{{Lu}}\p{{L}}+(?:{_QUALIFIER})$", re.IGNORECASE | re.V1)
_WORDS = re.compile(r"^[\p{L}][\p{L}'’.\- ]{2,40}$")


@functools.lru_cache(maxsize=65536)
def toponym_shaped(value: str) -> bool:
    """True when ``value`` (one to four words of letters) is built as place names are."""
    v = " ".join(value.split())
    if not _WORDS.match(v) or len(v.split()) > 4:
        return False
    t = v.title() if v.isupper() else v
    return bool(_LEADING_RE.match(t) or _ENDING_RE.search(t.split()[-1]) or _QUALIFIER_RE.search(t))
