import unicodedata

import pytest

from classification.recognizers.base import LakewardenPatternRecognizer
from classification.recognizers.contact.intl_street_address import InternationalStreetAddressRecognizer
from tests.unit.classification.helpers import entities

REC = InternationalStreetAddressRecognizer()

GERMAN = [
    "Hauptstraße 5", "HAUPTSTRASSE 5", "hauptstraße 5", "Bahnhofstr. 12a", "Bahnhofstrasse 12, 8001 Zürich",
    "Lindenweg 7", "Schillerplatz 1", "Herrengasse 6-8", "Königsallee 92a", "Kurfürstendamm 21", "Mainufer 3",
    "Karl-Marx-Straße 5, 10115 Berlin", "Goethestraße 12/3", "Lange Straße 5", "Kölner Str. 12",
    "Kärntner Straße 21-23", "Mariahilfer Str. 88a", "Kaiserring 5", "Theodor-Heuss-Ring 3", "Opernring 2",
    "Wohnhaft: Lindenweg 7, 12345 Musterstadt",
]
GERMAN_PREPOSITION = ["Am Markt 3", "An der Alster 5", "Unter den Linden 77, 10117 Berlin", "Im Winkel 4", "Zur Mühle 7"]
DUTCH = [
    "Kalverstraat 92", "Keizersgracht 123", "Museumplein 6", "Coolsingel 40", "Stationsweg 3, 1234 AB Amsterdam",
    "Laan van Meerdervoort 5", "Wilhelminakade 3", "Nieuwe Binnenweg 12",
]
NORDIC = [
    "Vesterbrogade 10", "Nørregade 3, 2. tv.", "Strandvejen 5", "Amagertorv 3", "Drottninggatan 5",
    "Sveavägen 44, 111 34 Stockholm", "Storgata 1", "Bogstadveien 10", "Karl Johans gate 1", "Bygdøy allé 2",
    "Mannerheimintie 5", "Aleksanterinkatu 52", "Hämeentie 3",
]
FRENCH = [
    "12 rue de la Paix", "12, rue de la Paix, 75002 Paris", "5 bis avenue Foch", "3 boulevard Haussmann",
    "7 chemin des Vignes", "4 allée des Roses", "9 impasse du Moulin", "2 place de la Concorde", "10 quai d'Orsay",
    "15 route de Lyon", "3 bd Saint-Michel", "8 rue du Faubourg Saint-Honoré",
    # Belgian and Swiss order, number after
    "Rue de la Loi 16", "Avenue Louise 54", "Route de Lausanne 12", "Place Bellecour 3", "Chemin des Vignes 4",
]
IBERIAN = [
    "Calle Mayor 3", "C/ Mayor 3", "C/Mayor, 3, 2º B", "Calle de Alcalá, 45", "Avenida de la Constitución s/n",
    "Av. Paulista 1000", "Avda. de la Constitución 5", "Paseo de la Castellana 100", "Plaza Mayor 1",
    "Carrer de Mallorca 401", "Passeig de Gràcia 92", "Calle Alcalá 45, 28014 Madrid",
    "Rua Augusta 100", "Rua Augusta, 100 - 2º Esq", "Travessa do Carmo 5", "Largo do Chiado 12",
    "Praça do Comércio 1", "R. Oscar Freire, 123", "Avenida da Liberdade 245",
]
ITALIAN = [
    "Via Roma 10", "Via Roma 10/A", "Via del Corso 12", "Via XX Settembre 5", "Viale Trastevere 60",
    "Piazza San Marco 1", "Piazza del Duomo 1, 20122 Milano", "Corso Vittorio Emanuele II 15", "Vicolo Stretto 2",
]
CENTRAL_EUROPE = [
    "ul. Marszałkowska 1", "ul. Marszałkowska 1/3", "ul. Marszałkowska 1 m. 2", "al. Jerozolimskie 123A",
    "aleja Jana Pawła II 12", "pl. Defilad 1", "ul. Piotrkowska 104, 90-001 Łódź",
    "Václavské náměstí 1", "nám. Míru 5", "Národní třída 10", "ulice Karlova 5", "Hlavné námestie 1",
    "Váci utca 12", "Andrássy út 5", "Hősök tere 1", "Kossuth tér 3", "Szent István körút 10", "Fő u. 1",
    "Strada Lipscani 5", "Str. Lipscani nr. 5", "Bulevardul Unirii nr. 3", "Calea Victoriei 12",
    "Șoseaua Kiseleff 1", "Trg bana Jelačića 1",
]
TURKISH = [
    "Atatürk Cad. No: 12", "Bağdat Caddesi No:45 D:3", "Çiçek Sok. No: 5/2", "İstiklal Caddesi 10",
    "Kızılay Mah. Atatürk Bulvarı No: 1", "Moda Cad. 45/2",
]
JAPANESE = ["1-2-3 Chiyoda-ku", "Shibuya-ku 2-21-1"]
PO_BOXES = [
    "P.O. Box 255", "PO Box 1234", "POBox 12", "Post Office Box 12", "Postfach 1234", "Postfach 10 01 23",
    "Apartado 12", "Apartado de Correos 5", "Apdo. 12", "Caixa Postal 55", "Boîte postale 12", "BP 12", "B.P. 1234",
    "Casella Postale 3", "Skrytka pocztowa 7", "Postbus 44", "Postboks 44", "Casilla de Correo 12",
]
ALL_POSITIVE = (
    GERMAN + GERMAN_PREPOSITION + DUTCH + NORDIC + FRENCH + IBERIAN + ITALIAN + CENTRAL_EUROPE + TURKISH + JAPANESE
    + PO_BOXES
)

NOT_ADDRESSES = [
    # products, counts, amounts with units
    "Premium steel water bottle, 750 ml", "Premium steel water bottle, 750 ml, dishwasher safe", "3 items shipped",
    "Waterproof hiking backpack, 30 litre capacity", "Ceramic coffee mug set of four, matte finish", "5 kg",
    "Lindenweg 500 m", "Hauptstraße 5 km", "Kalverstraat 10%", "Hauptstraße 1,5", "Nutella 750 g", "Knorr 2 Stück",
    # dates, order numbers, versions, amounts
    "2024-03-15", "15.03.2024", "Am 15. März", "ORD-2024-000123", "1234.56", "99.95", "Balance 1.234,56 EUR",
    "Rechnung Nr. 12345 vom 15.03.2024", "Version 2.1.3", "Windows 11", "Spring 2024", "Olympic Games Paris 2024",
    # sentences with numbers
    "We shipped 3 boxes to the customer", "Order 12345 placed on 12 May", "Shipped via UPS 2 days",
    "Sent via email 3 times", "Smith et al. 2019", "J. R. Smith 3", "Am Montag 3 Stunden", "Im Jahr 2020",
    "In der Woche 3 mal", "Müller u. 2 Kinder", "3 place mats", "3 cours de français", "Lieferung in 3 Tagen",
    # companies, products, ordinary words ending like a street type
    "Rue21 Inc", "Rue 21", "Route 66", "Xbox 360", "Colgate 2 tubes", "Necktie 3", "Gold earring 7", "Diamond Ring 7",
    "String 10", "Brigade 7", "Boarding Gate 12", "Supermarkt 3", "Chanel No. 5", "Mambo No. 5",
    # places and single words
    "Paris", "Germany", "Berlin 10115", "Zürich 8001", "Main", "Street", "Straße", "Hauptstraße", "Calle Mayor",
    "Via Roma", "Postfach", "Box",
    # a street-type word with a number but no name
    "Platz 3", "Calle 5", "Weg 5", "Corso 2", "Straße 5",
    # blood pressure, not a boîte postale
    "BP 120/80",
]
#: Values of the other recognizers' tests.
OTHER_RECOGNIZERS = [
    "221B Baker Street", "1600 Pennsylvania Ave NW", "10 Downing St", "42 Oak Lane, Apt 7",
    "(212) 555-0147", "415-555-2671", "+44 20 7946 0958", "+1 312 555 0199", "2125550147", "+1 000 000 0000",
    "jane.doe@example.com", "maria.müller@example.de", "write to jane@example.org please",
    "536-90-4399", "536904399", "912-12-3456", "021000021", "0210-0002-1", "4111 1111 1111 1111",
    "4111111111111112", "DE89370400440532013001", "DEUTDEFF500", "192.168.1.20", "2001:db8::1", "1984-03-02",
    "D1234567", "A12345678", "LC411111111111", "EMP-123456",
]


def _found(values: list[str]) -> list[str]:
    return [v for v in values if entities(REC, v) != {"STREET_ADDRESS"}]


def test_german_austrian_swiss_street_suffix_is_an_address() -> None:
    assert _found(GERMAN) == []


def test_german_preposition_street_is_an_address() -> None:
    assert _found(GERMAN_PREPOSITION) == []


def test_dutch_and_flemish_street_is_an_address() -> None:
    assert _found(DUTCH) == []


def test_scandinavian_and_finnish_street_is_an_address() -> None:
    assert _found(NORDIC) == []


def test_french_street_with_number_before_or_after_is_an_address() -> None:
    assert _found(FRENCH) == []


def test_spanish_catalan_and_portuguese_street_is_an_address() -> None:
    assert _found(IBERIAN) == []


def test_italian_street_is_an_address() -> None:
    assert _found(ITALIAN) == []


def test_polish_czech_slovak_hungarian_romanian_croatian_street_is_an_address() -> None:
    assert _found(CENTRAL_EUROPE) == []


def test_turkish_street_is_an_address() -> None:
    assert _found(TURKISH) == []


def test_japanese_block_number_with_ward_is_an_address() -> None:
    assert _found(JAPANESE) == []


def test_post_office_box_in_many_languages_is_an_address() -> None:
    assert _found(PO_BOXES) == []


def test_non_ascii_street_names_match_whole() -> None:
    for v in ("Weißgerberstraße 3", "Dvořákovo nábřeží 5", "ul. Złota 44", "Fő utca 1", "Praça do Comércio 1",
              "Rua São Bento 5", "Şişli Cad. No: 4"):
        (hit,) = REC.scan(v)
        assert (hit.start, hit.end) == (0, len(v)), v


def test_flat_number_and_postcode_city_widen_the_match() -> None:
    for v in ("ul. Marszałkowska 1 m. 2", "Hauptstraße 5, 10115 Berlin", "C/ de la Princesa, 5, 3º izq.",
              "Storgatan 1, 111 22 Stockholm", "Postfach 1234, 80001 München"):
        spans = {(h.start, h.end) for h in REC.scan(v)}
        assert (0, len(v)) in spans, v


def test_address_inside_a_sentence_is_found() -> None:
    assert entities(REC, "Bitte liefern an Hauptstraße 5 in Berlin") == {"STREET_ADDRESS"}
    assert entities(REC, "Envoyer au 12 rue de la Paix avant lundi") == {"STREET_ADDRESS"}


def test_full_street_match_scores_above_weaker_forms() -> None:
    assert REC.best_score("Hauptstraße 5") == REC.best_score("Calle Mayor 3") == 0.6
    # weaker: a suffix that also ends English words, a German preposition, a PO box
    assert REC.best_score("Kaiserring 5") == REC.best_score("An der Alster 5") == REC.best_score("Postfach 1234") == 0.5
    assert REC.best_score("BP 12") == 0.4


def test_bare_box_number_needs_address_context() -> None:
    assert REC.best_score("Box 123") < 0.3
    assert entities(REC, "Box 123", context={"address"}) == {"STREET_ADDRESS"}


def test_product_description_is_not_an_address() -> None:
    assert [v for v in NOT_ADDRESSES if REC.best_score(v) >= 0.3] == []


def test_other_recognizers_test_values_are_not_addresses_here() -> None:
    # English formats are the English recognizer's; this one adds nothing to them
    assert [v for v in OTHER_RECOGNIZERS if REC.scan(v)] == []


#: The positives again with accents as separate combining marks (NFD), as some sources write them.
DECOMPOSED = [unicodedata.normalize("NFD", v) for v in ALL_POSITIVE if unicodedata.normalize("NFD", v) != v]


@pytest.mark.parametrize("value", ALL_POSITIVE + DECOMPOSED + NOT_ADDRESSES + OTHER_RECOGNIZERS + ["Box 123"])
def test_fast_scan_agrees_with_running_every_pattern(value: str) -> None:
    # scan() skips patterns whose words or number layout are absent; the plain scan runs them all
    fast = {(h.start, h.end, h.score) for h in REC.scan(value, context_words={"address"})}
    plain = {(h.start, h.end, h.score) for h in LakewardenPatternRecognizer.scan(REC, value, context_words={"address"})}
    assert fast == plain


def test_presidio_analyze_uses_the_same_patterns() -> None:
    found = REC.analyze("Hauptstraße 5", entities=["STREET_ADDRESS"], nlp_artifacts=None)
    assert [(r.entity_type, r.start, r.end, r.score) for r in found] == [("STREET_ADDRESS", 0, 13, 0.6)]
    assert REC.analyze("Premium steel water bottle, 750 ml", entities=["STREET_ADDRESS"], nlp_artifacts=None) == []
