"""STREET_ADDRESS outside the English-speaking formats: a house number plus a street-type word
(as a prefix, ``Calle Mayor 3``, or a suffix, ``Hauptstraße 5``), or a post-office box phrase
with a number (``Postfach 1234``, ``Apartado de Correos 5``, ``Caixa Postal 55``).

Covered: German/Austrian/Swiss, Dutch/Flemish, Danish/Swedish/Norwegian/Finnish, French,
Spanish/Catalan/Portuguese/Italian, Polish/Czech/Slovak/Hungarian/Romanian/Croatian, Turkish,
and Japanese block numbers with a ``-ku``/``-shi``/``-cho`` place (``1-2-3 Chiyoda-ku``).

Every street pattern needs both a house number and a street-type word; a street name alone,
a street-type word alone or a number alone never matches. Words that are also common outside
addresses (``via``, ``place``, ``route``, ``-ring``, ``-tie``, ``-gate``) need a capitalised
street name (or an article such as ``de la``), and a number followed by a unit or a count
(``750 ml``, ``3 items``, ``5 Tage``) is not a house number.

Speed: every repetition is bounded and word runs are possessive, so no pattern backtracks
badly; word lists are compiled as prefix trees (suffix trees inside look-behinds), because the
``regex`` module tries the branches of a flat alternation one by one at every position; and
:meth:`InternationalStreetAddressRecognizer.scan` runs a pattern only on values holding a word
that pattern needs.
"""

from __future__ import annotations

import re as stdre
from collections.abc import Iterable

import regex as re

from classification.recognizers.base import CONTEXT_BOOST, CONTEXT_MIN_SCORE, Hit, LakewardenPatternRecognizer


def _tree(words: Iterable[str], *, backward: bool = False) -> str:
    """A non-capturing alternation of literal ``words`` as a prefix tree.

    ``backward`` builds a suffix tree instead, for use inside a look-behind (matched right to
    left). ``_tree(["ml", "mg", "kg"])`` matches what ``(?:ml|mg|kg)`` matches, written
    ``(?:(?:kg|m(?:g|l)))``.
    """
    root: dict[str, dict] = {}
    for w in set(words):
        node = root
        for ch in reversed(w) if backward else w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        parts = []
        for ch in sorted(k for k in node if k):
            sub = emit(node[ch])
            parts.append(sub + re.escape(ch) if backward else re.escape(ch) + sub)
        if not parts:
            return ""
        body = parts[0] if len(parts) == 1 and "" not in node else "(?:" + "|".join(parts) + ")"
        return body + "?" if "" in node else body

    return "(?:" + emit(root) + ")"


def _words(text: str) -> list[str]:
    return text.split()


# Building blocks ------------------------------------------------------------------------------
_B = r"(?<![\p{L}\p{M}\d])"  # start of a word (not inside a word or a number)
_E = r"(?![\p{L}\p{M}\d])"  # end of a word
_LE = r"(?![\p{L}\p{M}])"  # end of a word made of letters
_CAP = r"(?-i:\p{Lu})"  # an upper-case letter even though the patterns are case-insensitive
_WCH = r"[\p{L}\p{M}'’.\-]"  # a character of a name word
_CAPWORD = r"(?=" + _CAP + r")" + _WCH + r"{1,31}+"
_ANYWORD = r"(?=[\p{L}\p{M}])" + _WCH + r"{1,31}+"
_TYPE_END = r"(?:(?<=[./])|" + _LE + r")"  # after "av." or "C/" anything; after "rue" not a letter

#: Articles and prepositions that may open a street name ("Rue de la Paix", "Via dei Mille",
#: "Trg bana Jelačića").
_ARTICLES = _tree(_words(
    "de del dels della delle dello degli dei di da do dos das du des la le les el los las lo der den dem van von "
    "al alla allo alle sul sulla dal dalla na pod nad pri bana kralja kneza svetog svete"
))
_ART_OPEN = r"(?:" + _ARTICLES + r"\s{1,2}){0,3}(?:[dl]['’]\s?)?"
#: A street name: optional articles, a capitalised word, up to four more words of any case.
_NAME = _ART_OPEN + _CAPWORD + r"(?:\s{1,2}" + _ANYWORD + r"){0,4}"
#: A name that must begin with an article ("place de la Concorde"), for ambiguous type words.
_NAME_ARTICLE = (
    r"(?:" + _ARTICLES + r"\s{1,2}|[dl]['’]\s?|(?:saint|sainte|st|ste)[\s.\-])" + _ART_OPEN
    + _ANYWORD + r"(?:\s{1,2}" + _ANYWORD + r"){0,4}"
)

#: Counts and units: a number followed by one of these is a quantity, not a house number.
_UNITS = (
    _tree(_words(
        "ml cl dl l ltr litre litres liter liters litro litros litri kg g gr gram grams mg lb lbs oz cm mm km m2 m² "
        "m3 inch inches ft pcs pc piece pieces item items unit units pack pk stk stück szt ks db adet ud uds unidades "
        "pz pezzi pièces package packages parcel parcels boxes bag bags bottle bottles order orders copies set sets "
        "pair pairs stop stops night nights day days hour hours hr hrs min mins minute minutes sec secs second "
        "seconds week weeks month months year years yr yrs times people person persons guests tag tage stunden std "
        "minuten wochen monate jahre jours ans mois heures días dias años anos anni giorni mesi ore dni lat eur euro "
        "euros usd dollar dollars gbp chf sek nok dkk pln czk huf kr zł kč lei tl gb mb kb tb mhz ghz kw kwh mah rpm "
        "fps dpi px percent prozent mal fois veces volte razy"
    ))
    + r"|m(?!\.)|pour\s?cent|por\s?ciento"  # "m. 2" is a Polish flat number, "2 m" a length
)
#: A house number: 12, 12a, 12-14, 1/3, 10/A, 5 bis, s/n (Spanish "sin número").
_NUM_BODY = (
    r"(?:\d{1,5}+(?:[a-z]" + _E + r")?"
    r"(?:\s?[-–/]\s?\d{1,4}+(?:[a-z]" + _E + r")?|/[a-z]" + _E + r")?"
    r"(?:\s(?:bis|ter|quater)" + _LE + r")?"
    r"|s/n" + _E + r")"
)
#: The house number, not followed by a unit, a currency, a decimal part or more digits.
_NUM = (
    r"(?!" + _NUM_BODY + r"(?:[%‰°€$£¥]|\s?[x×]\s?\d|\s?(?:" + _UNITS + r")" + _LE + r"))"
    + _NUM_BODY + r"(?!\d|[.,]\d)"
)
#: Between a street and its number: "Via Roma, 10", "Str. Lipscani nr. 5", "Cad. No: 12", "n° 3".
_SEP = r",?\s{0,3}(?:(?:nr|no|n[º°o]|nº|núm|num|č\.\s?p|č|br)\s?[.:]?\s?)?(?<=[\s.:º°])"
#: Optional flat/unit part and ", postcode city" after the number (they only widen the span,
#: which decides whether a value is "mostly an address").
_UNIT = (
    r"(?:,?\s{1,3}" + _tree(_words(
        "apt app appt apto ap flat unit suite ste whg wohnung top stiege stg tür piso pta puerta esc escalera "
        "interno int scala sc bl et étage lok lokal m kat daire d #"
    )) + r"\.?\s?:?\s?\d{1,4}+[a-z]?" + _E
    + r"|,?\s{1,3}\d{1,2}[º°ª.]\s?(?:[a-z]{1,4}+" + _LE + r"\.?)?)?"
)
_POSTCODE = (
    r"(?:[A-Z]{1,2}-)?(?:\d{2}-\d{3}|\d{4}-\d{3}|\d{3}\s\d{2}|\d{4}\s?(?-i:[A-Z]{2})" + _LE + r"|\d{4,5})"
)
_POSTCODE_CITY = r"(?:,?\s{1,3}" + _POSTCODE + r"\s{1,3}" + _CAPWORD + r")?"
_TAIL = _UNIT + _POSTCODE_CITY

# Street-type words ------------------------------------------------------------------------------
#: Endings of one-word street names, in any case: Hauptstraße, Lindenweg, Kalverstraat,
#: Drottninggatan, Vesterbrogade, Aleksanterinkatu ("Bahnhofstr." separately).
_STRONG_SUFFIXES = _words(
    # German / Austrian / Swiss
    "straße strasse gasse gässchen weg allee platz damm ufer chaussee steig stieg pfad "
    # Dutch / Flemish
    "straat laan plein gracht kade kaai singel dreef steeg steenweg plantsoen "
    # Danish / Norwegian / Swedish / Finnish
    "vej vejen gade gaden plads pladsen stræde strædet torv torvet gatan gata vägen väg veien vegen gränd gränden "
    "torget plassen allén katu kuja polku väylä raitti"
)
#: Endings that also end ordinary words (Spring, Necktie, Colgate, Earring): they need a
#: capitalised word with at least three letters before the ending, and no year as number.
_WEAK_SUFFIXES = _words("ring tie gate markt veg vei torg plass dijk baan")
_WEAK_NOT = r"(?<!earring|spring|string|[aeiouy]ring|necktie|bowtie|sortie|cutie|colgate|stargate|supermarkt)"
#: Street-type words written as a separate word after the name: "Lange Straße 5",
#: "Andrássy út 5", "Václavské náměstí 1", "Atatürk Cad. No: 12", "Karl Johans gate 1".
_AFTER_NAME_TYPES = _words(
    # German
    "straße strasse str. gasse weg allee platz ufer damm chaussee markt allé "
    # Hungarian
    "utca út útja tér tere körút krt. köz köze sétány rakpart fasor lépcső "
    # Czech / Slovak
    "náměstí nám. třída tř. nábřeží nábř. ulice námestie ulica nábrežie trieda "
    # Turkish
    "caddesi cadde cad. cd. sokak sokağı sokagi sok. sk. bulvarı bulvari blv. bulvar mahallesi mah. mh. yolu"
)
#: Scandinavian types after a genitive name: "Karl Johans gate 1", "Olof Palmes gata 3".
_AFTER_GENITIVE = _words("gate gata gatan vei veien vej väg vägen plass torg allé")
#: Words after "via" that make it English ("shipped via UPS 2 days").
_VIA_NOT = _tree(_words(
    "ups dhl fedex usps tnt gls dpd hermes email e-mail mail post sms phone telefon fax amazon ebay paypal stripe "
    "api web app ftp sftp http https whatsapp slack teams zoom skype chat bank card cheque check courier ground air "
    "sea road rail truck train ship plane flight the a an our your their his her"
))
#: Street-type words before the name: French (Belgian/Swiss order "Rue de la Loi 16"), Spanish,
#: Catalan, Portuguese, Italian, Polish, Czech, Slovak, Croatian, Romanian. Abbreviations keep
#: their dot.
_BEFORE_NAME_TYPES = _words(
    # French
    "rue avenue av. ave. boulevard bd. boul. chemin ch. allée allee impasse imp. quai faubourg fbg. sentier ruelle "
    # Spanish / Catalan
    "calle c/ cl. avenida avda avda. paseo pº plaza pza. ronda rda. camino carrera cra. carretera ctra. travesía "
    "glorieta callejón carrer passeig pg. rambla avinguda plaça "
    # Portuguese
    "rua travessa tv. trav. largo lgo. praça pç. pça. alameda estrada rodovia beco calçada praceta ladeira "
    # Italian ("via" below)
    "viale v.le piazza p.za p.zza piazzale corso c.so vicolo vico lungomare lungotevere borgo salita contrada c.da "
    # Polish / Czech / Slovak / Croatian ("al." below)
    "ul. ulica ulice aleja aleje pl. plac os. osiedle rondo skwer bulwar nám. náměstí námestie tř. třída nábř. trg "
    # Romanian
    "strada str. bulevardul b-dul bdul bdul. calea șoseaua şoseaua soseaua șos. şos. sos. splaiul spl. piața "
    "piaţa piata p-ța aleea intrarea drumul"
)
_BEFORE_NAME_SPECIAL = (
    r"via(?!\s{1,3}" + _VIA_NOT + _LE + r")"  # Via Roma 10, not "via UPS 2 days"
    r"|(?<!et\s)al\."  # al. Jerozolimskie 123, not "Smith et al. 2019"
    r"|laan(?=\s(?:van|der|de|op)" + _LE + r")"  # Laan van Meerdervoort 5
    r"|(?<!\p{L}\.\s{0,2})r\."  # R. Augusta 100, not "J. R. Smith 3" or "Dr. R. Kelly 2"
)
#: French order, number first: "12 rue de la Paix", "5 bis avenue Foch".
_FRENCH_TYPES = _words(
    "rue avenue av. boulevard bd bd. bld bld. chemin ch. allée allee impasse imp. quai faubourg fbg fbg. sentier "
    "ruelle rond-point cité hameau lieu-dit parvis montée traverse résidence"
)
#: French types that are also English words: only with an article-led name or in lower case
#: ("2 place de la Concorde", "15 route de Lyon", not "3 place mats" or "2 Route Planner").
_FRENCH_AMBIGUOUS = _words("place pl. route rte passage cours promenade esplanade square villa")
#: ... of which "cours" ("3 cours de français") needs a capitalised name ("3 cours Mirabeau").
_FRENCH_AMBIGUOUS_ARTICLE = [w for w in _FRENCH_AMBIGUOUS if w != "cours"]
_AMBIGUOUS_BEFORE = _words("place route passage square cours")

#: The end of an address: end of the value, punctuation or a postcode ("Am Markt 3, 12345 Ort"),
#: for forms that also occur in sentences ("In der Woche 3 mal", "Müller u. 2 Kinder").
_ADDR_END = r"(?=\s{0,3}(?:$|[,;/|)\n]|\d{4,5}\s))"

# German prepositional street names: "Am Markt 3", "An der Alster 5", "Unter den Linden 77".
_DE_PREP = r"(?-i:Am|Im|Zum|Zur|Beim|(?:An|Auf|In|Unter|Hinter|Vor|Bei|Über|Neben)\s(?:der|dem|den))"
_DE_NOT_STREET = r"(?-i:" + _tree(_words(
    "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Wochenende Morgen Abend Mittag Nachmittag "
    "Vormittag Anfang Ende Jahr Jahre Monat Tag Wert Preis Schnitt Durchschnitt Vergleich Rahmen Zeitraum Bereich "
    "Moment Januar Februar März April Mai Juni Juli August September Oktober November Dezember Angebot Gesamt "
    "Lager Warenkorb Kasse Liste Stelle Seite Spitze Tabelle Woche Reihe Uhr Zeit Hand Theke Rezeption"
)) + r")" + _LE

# Post-office boxes.
_PO_BOX = (
    r"p\.?\s?o\.?\s?box|post\s?office\s?box|post\s?box|postfach|postbus|postboks|postilokero|"
    r"postafiók|apartado(?:\s(?:de\s)?correos|\spostal)?|apdo\.?(?:\s(?:de\s)?correos)?|caixa\s?postal|"
    r"cx\.?\s?postal|bo[iî]te\s?postale|casella\s?postale|skrytka\s?pocztowa|skr\.\s?poczt\.?|"
    r"casilla\s(?:de\s)?correos?|casilla\spostal|posta\s?kutusu|căsuța\s?poștală|casuta\s?postala|"
    r"poštovní\s?přihrádka|poštanski\s?pretinac|locked\s?bag|private\s?bag"
)
_BOX_NUM = r"\.?\s?(?:n[oº°r]\.?\s?|#\s?|:\s?)?\d{1,6}+(?:\s\d{2}){0,2}(?![\d/]|[.,:\-]\d)"

_STRONG_WORD = (
    r"(?=[\p{L}\p{M}])[\p{L}\p{M}'’\-]{2,41}+"
    r"(?:(?<=[\p{L}\p{M}\-]{2}" + _tree(_STRONG_SUFFIXES, backward=True) + r")(?<!brigade|renegade)"
    r"|(?<=[\p{L}\p{M}\-]{2}str)\.)"
)
_WEAK_WORD = (
    r"(?=" + _CAP + r")[\p{L}\p{M}'’\-]{3,41}+(?<=[\p{L}\p{M}\-]{3}" + _tree(_WEAK_SUFFIXES, backward=True) + r")"
    + _WEAK_NOT
)
_JP_PLACE = r"(?=" + _CAP + r")\p{L}{2,21}+-(?:ku|shi|cho|chō|machi)" + _LE
_JP_BLOCK = r"\d{1,2}-\d{1,3}(?:-\d{1,3})?"

# Cheap gates ------------------------------------------------------------------------------------
# The regex module costs a fraction of a microsecond per character and pattern, so scan() first
# checks, with the (faster) standard re module, what a pattern needs: a house number after a
# word ("Calle Mayor, 3", "Cad. No: 12") or, for the French order, a number before a word; then
# the words themselves. Words are the value's lower-cased letter runs ("Karl-Marx-Str." gives
# karl, marx, str); abbreviations glued to one letter ("C/", "v.le", "b-dul") are looked up as
# text. Each gate accepts everything its pattern can match
# (test_fast_scan_agrees_with_running_every_pattern checks it on the test values).


def _letters(words: Iterable[str]) -> frozenset[str]:
    """The letter runs of ``words``: "av." -> av, "b-dul" -> b, dul."""
    return frozenset(run for w in words for run in re.findall(r"[\p{L}\p{M}]+", w))


def _ends3(suffixes: Iterable[str]) -> frozenset[str]:
    return frozenset(s[-3:] for s in suffixes)


_G_STRONG = (*_STRONG_SUFFIXES, "str")
_G_STRONG_END3 = _ends3(_G_STRONG)
_G_WEAK = tuple(_WEAK_SUFFIXES)
_G_WEAK_END3 = _ends3(_WEAK_SUFFIXES)
_G_AFTER = _letters(_AFTER_NAME_TYPES + _AFTER_GENITIVE)
_G_BEFORE = frozenset(w for w in _letters(_BEFORE_NAME_TYPES + ["via", "al", "laan"]) if len(w) > 1)
_G_BEFORE_GLUED = stdre.compile(r"c/|r\.|v\.le|p\.z?za|c\.so|c\.da|b-dul|p-ța")
_G_FRENCH = _letters(_FRENCH_TYPES + _FRENCH_AMBIGUOUS)
_G_AMBIGUOUS = frozenset(_AMBIGUOUS_BEFORE)
_G_DE_PREP = frozenset(_words("am im zum zur beim der dem den"))
_G_JAPAN = frozenset(_words("ku shi cho chō machi"))
_G_PO_BOX = stdre.compile(
    r"box|post|apartado|apdo|caixa|cx|boîte|boite|casella|skrytka|skr|casilla|căsuța|casuta|poštovní|poštanski|"
    r"locked|private"
)
_DIGIT = stdre.compile(r"\d")
#: A letter, then at most 60 other non-digits, then a house number after a space, ".", ":" or "º".
_NUMBER_AFTER_WORD = stdre.compile(r"[^\W\d_]\D{0,60}?[\s.:º°]\d")
#: A house number (12, 12a, 10/A) followed by a comma or space and a letter.
_NUMBER_BEFORE_WORD = stdre.compile(r"\d(?:/?[^\W\d_])?[,\s]{1,4}[^\W\d_]")
_ASCII_WORDS = stdre.compile(r"[a-z]+")
_LETTER_RUN = re.compile(r"[\p{L}\p{M}]+")

# Patterns ---------------------------------------------------------------------------------------
#: (key, name, regex, score), in the order of PATTERNS; scan() gates them by key.
_RULES: list[tuple[str, str, str, float]] = [
    (
        "strong",
        "street word + number",  # Hauptstraße 5, Bahnhofstr. 12a, Kalverstraat 92, Drottninggatan 5
        _B + _STRONG_WORD + _SEP + _NUM + _TAIL,
        0.6,
    ),
    (
        "after",
        "name + street type + number",  # Lange Straße 5, Andrássy út 5, Atatürk Cad. No: 12
        _B + _CAPWORD + r"(?:\s{1,2}" + _ANYWORD + r"){0,3}?\s{1,2}(?:" + _tree(_AFTER_NAME_TYPES)
        + r"|(?<=s\s)" + _tree(_AFTER_GENITIVE) + r")" + _TYPE_END + _SEP + _NUM + _TAIL,
        0.6,
    ),
    (
        "before",
        "street type + name + number",  # Calle Mayor 3, Via Roma 10, ul. Marszałkowska 1, Rue de la Loi 16
        _B + r"(?:" + _tree(_BEFORE_NAME_TYPES) + r"|" + _BEFORE_NAME_SPECIAL + r")" + _TYPE_END + r"\s{0,3}"
        + _NAME + _SEP + _NUM + _TAIL,
        0.6,
    ),
    (
        "french",
        "number + street type + name",  # 12 rue de la Paix, 5 bis avenue Foch, 2 place de la Concorde
        _B + _NUM + r",?\s{1,3}(?:" + _tree(_FRENCH_TYPES) + _TYPE_END + r"\s{1,3}(?:" + _NAME_ARTICLE + r"|" + _NAME
        + r")|" + _tree(_FRENCH_AMBIGUOUS_ARTICLE) + _TYPE_END + r"\s{1,3}" + _NAME_ARTICLE
        + r"|(?-i:" + _tree(_FRENCH_AMBIGUOUS) + r")" + _TYPE_END + r"\s{1,3}" + _NAME + r")" + _TAIL,
        0.6,
    ),
    (
        "weak",
        "capitalised street word + number",  # Kaiserring 5, Mannerheimintie 5, Kirkegate 3
        _B + _WEAK_WORD + _SEP + r"(?!(?:19|20)\d\d" + _E + r")" + _NUM + _TAIL,
        0.5,
    ),
    (
        "ambiguous",
        "place or route + name + number",  # Place Bellecour 3, Route de Lausanne 12
        _B + _tree(_AMBIGUOUS_BEFORE) + _LE + r"\s{1,3}(?:" + _NAME_ARTICLE + r"|" + _CAPWORD + r")" + _SEP + _NUM
        + _TAIL,
        0.5,
    ),
    (
        "de_prep",
        "German preposition + name + number",  # Am Markt 3, An der Alster 5, Unter den Linden 77
        _B + _DE_PREP + r"\s{1,2}(?!" + _DE_NOT_STREET + r")(?=" + _CAP + r")" + _WCH + r"{2,31}+"
        + r"(?:\s{1,2}" + _CAPWORD + r"){0,2}" + _SEP + _NUM + _ADDR_END + _TAIL,
        0.5,
    ),
    (
        "hu_u",
        "name + Hungarian u. + number",  # Fő u. 1, Kossuth u. 12, 1055 Budapest
        _B + _CAPWORD + r"(?:\s{1,2}" + _ANYWORD + r"){0,3}?\s{1,2}u\." + _SEP + _NUM + _ADDR_END + _TAIL,
        0.5,
    ),
    (
        "japan",
        "Japanese block number",  # 1-2-3 Chiyoda-ku, Shibuya-ku 2-21-1
        _B + r"(?:" + _JP_BLOCK + r",?\s{1,2}" + _JP_PLACE + r"|" + _JP_PLACE + r",?\s{1,2}" + _JP_BLOCK + _E + r")",
        0.5,
    ),
    (
        "po_box",
        "post-office box",  # P.O. Box 255, Postfach 1234, Apartado de Correos 5, Caixa Postal 55
        _B + r"(?:" + _PO_BOX + r")" + _BOX_NUM + _POSTCODE_CITY,
        0.5,
    ),
    (
        "bp",
        "boite postale abbreviation",  # BP 12, B.P. 1234 (not "BP 120/80")
        _B + r"(?-i:B\.?\s?P\.?)\s?\d{1,5}+(?![\d/]|[.,:\-]\d|\s?(?:mmhg|bpm))",
        0.4,
    ),
    (
        "box",
        "bare box number",  # Box 123: an address only with context (a column named address)
        _B + r"(?<!p\.?\s?o\.?\s?)box\s?(?:n[oº]\.?\s?|#\s?)?\d{1,6}+(?![\d/]|[.,]\d)",
        0.1,
    ),
]


class InternationalStreetAddressRecognizer(LakewardenPatternRecognizer):
    """Street addresses of continental Europe, Latin America and Turkey, and post-office boxes.

    ``Hauptstraße 5``, ``Bahnhofstr. 12a``, ``Am Markt 3``, ``Kalverstraat 92``,
    ``Drottninggatan 5``, ``12 rue de la Paix``, ``Calle Mayor 3``, ``Rua Augusta, 100``,
    ``Via Roma 10``, ``ul. Marszałkowska 1 m. 2``, ``Andrássy út 5``, ``Atatürk Cad. No: 12``,
    ``Postfach 1234``, ``Caixa Postal 55``.
    """

    ENTITY = "STREET_ADDRESS"
    PATTERNS = [(name, rx, score) for _, name, rx, score in _RULES]
    #: Every rule needs a word and a house number (a digit, or "s/n"); the rewritten word tries exceed Rust's
    #: 10 MB compiled-regex limit on Sail (``CompiledTooBig``).
    PREFILTER = r"(?s:\p{L}\p{L}.*\p{Nd}|\p{Nd}.*\p{L}\p{L})|(?i:s/n)"
    CONTEXT = [
        "address", "addr", "street", "adresse", "anschrift", "strasse", "wohnort", "adres", "adress", "adresa",
        "direccion", "domicilio", "calle", "endereco", "morada", "indirizzo", "ulica", "osoite", "cim", "adresi",
        "postfach", "pobox", "mailing", "residence", "line1",
    ]

    def scan(self, text: str, *, context_words: set[str] | None = None) -> list[Hit]:
        """As :meth:`LakewardenPatternRecognizer.scan`, but each pattern runs only on values that
        can hold what it needs (the gates above): the same hits, several times faster."""
        todo = _rules_to_run(text)
        if not todo:
            return []
        boosted = bool(context_words) and self.context_matches(context_words or set())
        best: dict[tuple[int, int], Hit] = {}
        for i in todo:
            rx, base = self._compiled[i]
            for m in rx.finditer(text, timeout=1.0):
                s, e = m.span()
                if s == e:
                    continue
                score = min(1.0, max(CONTEXT_MIN_SCORE, base + CONTEXT_BOOST)) if boosted else base
                cur = best.get((s, e))
                if cur is None or cur.score < score:
                    best[(s, e)] = Hit(self.ENTITY, s, e, score, False)
        return list(best.values())


_RULE = {key: i for i, (key, _, _, _) in enumerate(_RULES)}


def _rules_to_run(text: str) -> list[int]:
    """Indexes of the patterns that may match ``text`` (see "Cheap gates")."""
    low = text.lower()
    after = _NUMBER_AFTER_WORD.search(text) is not None or "s/n" in low
    before = _NUMBER_BEFORE_WORD.search(text) is not None or "s/n" in low
    todo = []
    if after or before:
        # letter runs of the lower-cased text; the standard re module is exact for ASCII
        words = frozenset(_ASCII_WORDS.findall(low) if low.isascii() else _LETTER_RUN.findall(low))
        ends = {w[-3:] for w in words}
        if after:
            if not ends.isdisjoint(_G_STRONG_END3) and any(w.endswith(_G_STRONG) for w in words):
                todo.append(_RULE["strong"])
            if not words.isdisjoint(_G_AFTER):
                todo.append(_RULE["after"])
            if not words.isdisjoint(_G_BEFORE) or _G_BEFORE_GLUED.search(low) is not None:
                todo.append(_RULE["before"])
            if not ends.isdisjoint(_G_WEAK_END3) and any(w.endswith(_G_WEAK) for w in words):
                todo.append(_RULE["weak"])
            if not words.isdisjoint(_G_AMBIGUOUS):
                todo.append(_RULE["ambiguous"])
            if not words.isdisjoint(_G_DE_PREP):
                todo.append(_RULE["de_prep"])
            if "u" in words:
                todo.append(_RULE["hu_u"])
        if before and not words.isdisjoint(_G_FRENCH):
            todo.append(_RULE["french"])
        if not words.isdisjoint(_G_JAPAN):
            todo.append(_RULE["japan"])
    elif _DIGIT.search(text) is None:
        return todo
    if _G_PO_BOX.search(low) is not None:
        todo.append(_RULE["po_box"])
    if "B" in text and "P" in text:
        todo.append(_RULE["bp"])
    if "box" in low:
        todo.append(_RULE["box"])
    return todo
