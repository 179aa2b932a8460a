"""Evaluation tables from Mimesis's locale data (https://github.com/lk-geimfari/mimesis, MIT).

An independent second source: other name lists, other phone masks, other address layouts.
"""

from __future__ import annotations

import random
from datetime import timezone
from typing import Any

import pyarrow as pa

from benchmarks.eval.labels import EvalTable, Kind, build_table, with_name
from benchmarks.eval.words import mimesis_words


def generics(locales: tuple[str, ...], seed: int) -> list[Any]:
    from mimesis import Generic
    from mimesis.locales import Locale

    out = []
    for i, loc in enumerate(locales):
        g = Generic(locale=Locale(loc), seed=seed * 1009 + i)
        # Generic seeds every provider alike, so their draws run in lockstep (an IPv6 repeating a
        # UUID's digits, a phone number repeating the postcode's): give each provider its own seed.
        for k, attr in enumerate(_PROVIDERS):
            getattr(g, attr).reseed(seed * 1009 + i + 7919 * (k + 1))
        out.append(g)
    return out


_PROVIDERS = ("person", "address", "finance", "payment", "internet", "text", "datetime", "code",
              "cryptographic", "food", "development", "numeric", "transport", "hardware")


def _female_surname(g: Any) -> str:
    from mimesis.enums import Gender

    return g.person.last_name(gender=Gender.FEMALE)


def _memo(share: float):  # type: ignore[no-untyped-def]
    def fn(g: Any, r: random.Random) -> str:
        s = g.text.sentence()
        if r.random() < 0.5:
            s = f"{s} {g.text.sentence()}"
        return with_name(s, g.person.full_name(), r) if r.random() < share else s
    return fn


def _plain_notes(g: Any, r: random.Random) -> str:
    """Notes about no one: the locale's words minus every known first name and surname (its sentences name people)."""
    words = mimesis_words(g.text.locale)
    return " ".join(r.choice(words) for _ in range(r.randint(7, 15))).capitalize() + "."


def _ip(g: Any, r: random.Random) -> str:
    return g.internet.ip_v6() if r.random() < 0.25 else g.internet.ip_v4()


def _dob(g: Any):  # type: ignore[no-untyped-def]
    return g.person.birthdate(min_year=1935, max_year=2007)


KINDS: dict[str, Kind] = {
    # personal
    "first_name": Kind(lambda g, r: g.person.first_name(), "PERSON"),
    "last_name": Kind(lambda g, r: g.person.last_name(), "PERSON"),
    "maiden_name": Kind(lambda g, r: _female_surname(g), "PERSON"),
    "full_name": Kind(lambda g, r: g.person.full_name(), "PERSON"),
    "card_owner": Kind(lambda g, r: g.payment.credit_card_owner()["owner"], "PERSON"),
    "email": Kind(lambda g, r: g.person.email(), "EMAIL_ADDRESS"),
    "telephone": Kind(lambda g, r: g.person.telephone(), "PHONE_NUMBER"),
    "phone_intl": Kind(lambda g, r: g.person.phone_number(), "PHONE_NUMBER"),
    "address": Kind(lambda g, r: g.address.address(), "STREET_ADDRESS"),
    "city": Kind(lambda g, r: g.address.city(), "LOCATION"),
    "dob_date": Kind(lambda g, r: _dob(g), "DATE_OF_BIRTH", typ=pa.date32()),
    "dob_dmy_dot": Kind(lambda g, r: _dob(g).strftime("%d.%m.%Y"), "DATE_OF_BIRTH"),
    "dob_iso": Kind(lambda g, r: _dob(g).isoformat(), "DATE_OF_BIRTH"),
    "card": Kind(lambda g, r: g.payment.credit_card_number(), "CREDIT_CARD"),
    "ip": Kind(_ip, "IP_ADDRESS"),
    "memo_names_25": Kind(_memo(0.25), "PERSON", free_text=True),
    "memo_names_08": Kind(_memo(0.08), "PERSON", free_text=True),
    # quasi-identifiers
    "country": Kind(lambda g, r: g.address.country(), qi="country"),
    "country_iso": Kind(lambda g, r: g.address.country_code(), qi="country"),
    "calling_code": Kind(lambda g, r: g.address.calling_code(), qi="country"),
    "state": Kind(lambda g, r: g.address.state(), qi="state"),
    "postcode": Kind(lambda g, r: g.address.postal_code(), qi="postcode"),
    "gender": Kind(lambda g, r: g.person.gender(), qi="gender"),
    "birth_year": Kind(lambda g, r: _dob(g).year, qi="birth_year", typ=pa.int32()),
    "occupation": Kind(lambda g, r: g.person.occupation(), qi="occupation"),
    # not personal
    "uuid": Kind(lambda g, r: g.cryptographic.uuid()),
    "row_number": Kind(lambda g, r: g.numeric.integer_number(1, 10**8), typ=pa.int64()),
    "company": Kind(lambda g, r: g.finance.company()),
    "bank": Kind(lambda g, r: g.finance.bank()),
    "price": Kind(lambda g, r: g.finance.price(minimum=1, maximum=9000), typ=pa.float64()),
    "currency": Kind(lambda g, r: g.finance.currency_iso_code()),
    "colour": Kind(lambda g, r: g.text.color()),
    "event_ts": Kind(lambda g, r: g.datetime.datetime(start=2023, end=2025).replace(tzinfo=timezone.utc), typ=pa.timestamp("us", tz="UTC")),
    "event_date_text": Kind(lambda g, r: g.datetime.date(start=2023, end=2025).strftime("%d.%m.%Y")),
    "isbn": Kind(lambda g, r: g.code.isbn()),
    "ean": Kind(lambda g, r: g.code.ean()),
    "http_status": Kind(lambda g, r: g.internet.http_status_code(), typ=pa.int32()),
    "user_agent": Kind(lambda g, r: g.internet.user_agent()),
    "product": Kind(lambda g, r: g.hardware.phone_model()),
    "category": Kind(lambda g, r: g.food.vegetable()),
    "dish": Kind(lambda g, r: g.food.dish()),
    "language": Kind(lambda g, r: g.development.programming_language()),
    "version": Kind(lambda g, r: g.development.version()),
    "ticker": Kind(lambda g, r: g.finance.stock_ticker()),
    "car": Kind(lambda g, r: g.transport.car()),
    "word": Kind(lambda g, r: r.choice(mimesis_words(g.text.locale))),
    "quantity": Kind(lambda g, r: g.numeric.integer_number(1, 500), typ=pa.int32()),
    "notes_plain": Kind(_plain_notes, free_text=True),
}


def tables(split: str, locales: tuple[str, ...], seed: int, rows: int) -> list[EvalTable]:
    """The Mimesis tables of one split: one locale with native column names, and a mixed-locale one."""
    if split in ("dev", "tune2"):  # tune2: dev layouts, test locales
        local_name, local_loc = "mimesis_de_kunden", "de" if split == "dev" else locales[0]
        local = [
            ("Kundennummer", "row_number", 0.0), ("Vorname", "first_name", 0.0), ("Nachname", "last_name", 0.0),
            ("Geburtsname", "maiden_name", 0.5), ("E-Mail", "email", 0.05), ("Telefon", "telephone", 0.1),
            ("Anschrift", "address", 0.0), ("PLZ", "postcode", 0.0), ("Ort", "city", 0.0), ("Bundesland", "state", 0.0),
            ("Land", "country", 0.0), ("Geburtsdatum", "dob_dmy_dot", 0.0), ("Geschlecht", "gender", 0.0),
            ("Beruf", "occupation", 0.1), ("Firma", "company", 0.0), ("Hausbank", "bank", 0.0),
            ("Kreditkarte", "card", 0.3), ("Betrag", "price", 0.0), ("Waehrung", "currency", 0.0), ("Farbe", "colour", 0.0),
            ("Bestelldatum", "event_ts", 0.0), ("Bemerkung", "memo_names_25", 0.2),
        ]
        mixed_name = "mimesis_app_events"
        mixed = [
            ("event_id", "uuid", 0.0), ("user_display_name", "full_name", 0.0), ("CardHolder", "card_owner", 0.0),
            ("contact", "email", 0.0), ("msisdn", "phone_intl", 0.0), ("dial_code", "calling_code", 0.0),
            ("iso_cc", "country_iso", 0.0), ("address_line", "address", 0.0), ("city_name", "city", 0.0),
            ("zip", "postcode", 0.0), ("dob", "dob_date", 0.0), ("yob", "birth_year", 0.0), ("occupation", "occupation", 0.0),
            ("src_ip", "ip", 0.0), ("ts", "event_ts", 0.0), ("http_status", "http_status", 0.0), ("ua", "user_agent", 0.0),
            ("device", "product", 0.0), ("category", "category", 0.0), ("price", "price", 0.0), ("currency", "currency", 0.0),
            ("isbn", "isbn", 0.0), ("ean", "ean", 0.0), ("sdk_version", "version", 0.0), ("comment", "notes_plain", 0.4),
        ]
    elif split == "tune3":  # tune3: its own layouts and column names (opaque, reworded English, the locales' languages)
        local_name, local_loc = "mimesis_hr_korisnici", locales[0]
        local = [
            ("BrojKupca", "row_number", 0.0), ("KrsnoIme", "first_name", 0.0), ("Prezime", "last_name", 0.0),
            ("DjevojackoPrezime", "maiden_name", 0.5), ("col05", "email", 0.05), ("Mobitel", "telephone", 0.1),
            ("Prebivaliste", "address", 0.0), ("PostanskiBroj", "postcode", 0.0), ("Grad", "city", 0.0),
            ("Zupanija", "state", 0.0), ("residency", "country", 0.0), ("DatumRodjenja", "dob_dmy_dot", 0.0),
            ("Spol", "gender", 0.0), ("trade", "occupation", 0.1), ("Poduzece", "company", 0.0), ("col16", "bank", 0.0),
            ("col17", "card", 0.3), ("net_sum", "price", 0.0), ("col19", "currency", 0.0), ("hue", "colour", 0.0),
            ("entered_on", "event_ts", 0.0), ("Napomena", "memo_names_25", 0.2), ("col23", "product", 0.0),
        ]
        mixed_name = "mimesis_partner_feed"
        mixed = [  # a phone column without a calling-code sibling
            ("x_01", "uuid", 0.0), ("attr_2", "full_name", 0.0), ("name_embossed", "card_owner", 0.0), ("x_04", "email", 0.0),
            ("reach_number", "phone_intl", 0.0), ("x_06", "country_iso", 0.0), ("x_07", "address", 0.0),
            ("miestas", "city", 0.0), ("x_09", "postcode", 0.0), ("x_10", "dob_iso", 0.0), ("gimimo_metai", "birth_year", 0.0),
            ("attr_12", "occupation", 0.0), ("lytis", "gender", 0.0), ("x_14", "ip", 0.0), ("received_utc", "event_ts", 0.0),
            ("http_code", "http_status", 0.0), ("client_software", "user_agent", 0.0), ("handset", "product", 0.0),
            ("x_19", "price", 0.0), ("x_20", "currency", 0.0), ("attr_21", "ean", 0.0), ("build", "version", 0.0),
            ("x_23", "ticker", 0.0), ("pastabos", "notes_plain", 0.4), ("attr_25", "car", 0.0),
        ]
    elif split == "tune4":  # tune4: layouts, column names and kinds of its own
        local_name, local_loc = "mimesis_is_vidskiptavinir", locales[0]
        local = [
            ("Numer", "row_number", 0.0), ("Fornafn", "first_name", 0.0), ("Eftirnafn", "last_name", 0.0),
            ("NafnModur", "maiden_name", 0.3), ("Netfang", "email", 0.05), ("Farsimi", "telephone", 0.1),
            ("Heimilisfang", "address", 0.0), ("Postnumer", "postcode", 0.0), ("Baer", "city", 0.0),
            ("Landshluti", "state", 0.0), ("Rikisfang", "country", 0.0), ("Faedingardagur", "dob_dmy_dot", 0.0),
            ("Kyn", "gender", 0.0), ("Starfsheiti", "occupation", 0.1), ("Vinnustadur", "company", 0.0),
            ("Vidskiptabanki", "bank", 0.0), ("Greidslukort", "card", 0.3), ("Upphaed", "price", 0.0),
            ("Gjaldmidill", "currency", 0.0), ("Litur", "colour", 0.0), ("Skrad", "event_date_text", 0.0),
            ("Athugasemdir", "memo_names_25", 0.2), ("Rettur", "dish", 0.0),
        ]
        mixed_name = "mimesis_marketplace_orders"
        mixed = [  # a national-format phone column with an ISO country-code sibling, a calling code too
            ("o1", "uuid", 0.0), ("buyer", "full_name", 0.0), ("o3", "card_owner", 0.05), ("o4", "email", 0.0),
            ("o5", "telephone", 0.0), ("o6", "country_iso", 0.0), ("o7", "calling_code", 0.0), ("ship_to", "address", 0.0),
            ("o9", "city", 0.0), ("o10", "state", 0.0), ("o11", "postcode", 0.0), ("o12", "dob_date", 0.0),
            ("o13", "gender", 0.0), ("o14", "occupation", 0.0), ("o15", "ip", 0.0), ("placed", "event_ts", 0.0),
            ("o17", "isbn", 0.0), ("o18", "ean", 0.0), ("o19", "quantity", 0.0), ("o20", "word", 0.0),
            ("o21", "language", 0.0), ("o22", "dish", 0.0), ("o23", "price", 0.0), ("o24", "notes_plain", 0.3),
            ("o25", "memo_names_08", 0.1),
        ]
    elif split == "test2":  # test2 (held out): the test locales under layouts and column names of its own
        local_name, local_loc = "mimesis_it_anagrafica", "it"
        local = [
            ("CodiceCliente", "row_number", 0.0), ("NomeBattesimo", "first_name", 0.0), ("CognomeCliente", "last_name", 0.0),
            ("CognomeDaNubile", "maiden_name", 0.5), ("PostaElettronica", "email", 0.05), ("Recapito", "telephone", 0.1),
            ("Residenza", "address", 0.0), ("CAP", "postcode", 0.0), ("Localita", "city", 0.0), ("Regione", "state", 0.0),
            ("Cittadinanza", "country", 0.0), ("DataDiNascita", "dob_dmy_dot", 0.0), ("Sesso", "gender", 0.0),
            ("Mestiere", "occupation", 0.1), ("DatoreLavoro", "company", 0.0), ("Istituto", "bank", 0.0),
            ("CartaPagamento", "card", 0.3), ("Importo", "price", 0.0), ("CodiceValuta", "currency", 0.0), ("Tinta", "colour", 0.0),
            ("Inserito", "event_ts", 0.0), ("Osservazioni", "memo_names_25", 0.2), ("Piatto", "dish", 0.0),
        ]
        mixed_name = "mimesis_support_tickets"
        mixed = [
            ("t1", "uuid", 0.0), ("requester", "full_name", 0.0), ("t3", "card_owner", 0.05), ("t4", "email", 0.0),
            ("t5", "telephone", 0.0), ("t6", "country_iso", 0.0), ("t7", "calling_code", 0.0), ("t8", "address", 0.0),
            ("t9", "city", 0.0), ("t10", "state", 0.0), ("t11", "postcode", 0.0), ("t12", "dob_iso", 0.0), ("t13", "gender", 0.0),
            ("t14", "occupation", 0.0), ("t15", "ip", 0.0), ("opened", "event_ts", 0.0), ("t17", "http_status", 0.0),
            ("t18", "user_agent", 0.0), ("t19", "product", 0.0), ("t20", "version", 0.0), ("t21", "ticker", 0.0),
            ("t22", "isbn", 0.0), ("t23", "word", 0.0), ("t24", "notes_plain", 0.3), ("t25", "memo_names_08", 0.1),
        ]
    elif split == "tune5":  # tune5: almost every column name opaque
        local_name, local_loc = "mimesis_hu_extract", "hu"
        local = [
            ("b01", "row_number", 0.0), ("b02", "first_name", 0.0), ("b03", "last_name", 0.0), ("b04", "maiden_name", 0.4),
            ("b05", "email", 0.05), ("b06", "telephone", 0.1), ("b07", "address", 0.0), ("b08", "postcode", 0.0),
            ("b09", "city", 0.0), ("b10", "state", 0.0), ("b11", "country", 0.0), ("b12", "dob_iso", 0.0),
            ("b13", "gender", 0.0), ("b14", "occupation", 0.1), ("b15", "company", 0.0), ("b16", "bank", 0.0),
            ("b17", "card", 0.3), ("b18", "price", 0.0), ("b19", "currency", 0.0), ("b20", "colour", 0.0),
            ("b21", "event_date_text", 0.0), ("b22", "memo_names_25", 0.2), ("b23", "dish", 0.0), ("b24", "birth_year", 0.0),
        ]
        mixed_name = "mimesis_gateway_log"
        mixed = [
            ("m01", "uuid", 0.0), ("m02", "full_name", 0.0), ("m03", "card_owner", 0.05), ("m04", "email", 0.0),
            ("m05", "phone_intl", 0.0), ("m06", "country_iso", 0.0), ("m07", "calling_code", 0.0), ("m08", "address", 0.0),
            ("m09", "city", 0.0), ("m10", "state", 0.0), ("m11", "postcode", 0.0), ("m12", "dob_dmy_dot", 0.0), ("m13", "gender", 0.0),
            ("m14", "occupation", 0.0), ("m15", "ip", 0.0), ("m16", "event_ts", 0.0), ("m17", "http_status", 0.0),
            ("m18", "user_agent", 0.0), ("m19", "product", 0.0), ("m20", "version", 0.0), ("m21", "ticker", 0.0),
            ("m22", "ean", 0.0), ("m23", "word", 0.0), ("m24", "notes_plain", 0.3), ("m25", "memo_names_08", 0.1),
            ("m26", "telephone", 0.0), ("m27", "car", 0.0),
        ]
    elif split == "test3":  # test3 (held out): layouts written apart, in benchmarks/eval/layouts_test3.py
        from benchmarks.eval import layouts_test3

        local_name, local_loc, local = layouts_test3.MIMESIS_LOCAL
        mixed_name, mixed = layouts_test3.MIMESIS_MIXED
    else:
        local_name, local_loc = "mimesis_pl_klienci", "pl"
        local = [
            ("IdKlienta", "uuid", 0.0), ("Imie", "first_name", 0.0), ("Nazwisko", "last_name", 0.0),
            ("NazwiskoRodoweMatki", "maiden_name", 0.2), ("AdresEmail", "email", 0.05), ("NrTelefonu", "telephone", 0.1),
            ("Adres", "address", 0.0), ("KodPocztowy", "postcode", 0.0), ("Miejscowosc", "city", 0.0),
            ("Wojewodztwo", "state", 0.0), ("Kraj", "country", 0.0), ("DataUrodzenia", "dob_iso", 0.0), ("Plec", "gender", 0.0),
            ("Zawod", "occupation", 0.1), ("Pracodawca", "company", 0.0), ("Bank", "bank", 0.0), ("NrKarty", "card", 0.2),
            ("Kwota", "price", 0.0), ("Waluta", "currency", 0.0), ("Kolor", "colour", 0.0), ("DataZamowienia", "event_date_text", 0.0),
            ("Danie", "dish", 0.0), ("Uwagi", "memo_names_08", 0.2),
        ]
        mixed_name = "mimesis_telemetry"
        mixed = [
            ("session", "uuid", 0.0), ("actor", "full_name", 0.0), ("owner_on_card", "card_owner", 0.05),
            ("login", "email", 0.0), ("callback", "telephone", 0.0), ("cc", "country_iso", 0.0), ("dial_prefix", "calling_code", 0.0),
            ("delivery_to", "address", 0.0), ("place", "city", 0.0), ("area", "state", 0.0), ("postal", "postcode", 0.0),
            ("d_birth", "dob_date", 0.0), ("cohort_year", "birth_year", 0.0), ("Sex", "gender", 0.0), ("profession", "occupation", 0.0),
            ("peer", "ip", 0.0), ("logged", "event_ts", 0.0), ("status", "http_status", 0.0), ("model", "product", 0.0),
            ("stack", "language", 0.0), ("symbol", "ticker", 0.0), ("vehicle", "car", 0.0), ("amount", "price", 0.0),
            ("qty", "quantity", 0.0), ("tag", "word", 0.0), ("feedback", "notes_plain", 0.3),
        ]
    rest = tuple(loc for loc in locales if loc != local_loc)
    return [
        build_table(name=local_name, source="mimesis", split=split, locales=(local_loc,), rows=rows, seed=seed + 11,
                    spec=local, kinds=KINDS, providers=generics((local_loc,), seed + 11)),
        build_table(name=mixed_name, source="mimesis", split=split, locales=rest or locales, rows=rows, seed=seed + 12,
                    spec=mixed, kinds=KINDS, providers=generics(rest or locales, seed + 12)),
    ]
