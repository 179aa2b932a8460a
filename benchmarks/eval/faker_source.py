"""Evaluation tables from Faker's locale data (https://github.com/joke2k/faker, MIT).

Every value comes from Faker; the table layouts and column names are ours, chosen to look like
real exports (foreign or opaque names next to telling ones).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

import pyarrow as pa

from benchmarks.eval.labels import EvalTable, Kind, build_table, with_name
from benchmarks.eval.words import faker_words

DOB_FROM, DOB_TO = date(1935, 1, 1), date(2007, 12, 31)
EVENTS_FROM, EVENTS_TO = datetime(2023, 1, 1), datetime(2025, 12, 31)
#: Faker's "now" for draws that end at it (a day name, a year in a user name): a table never depends on the day it is made.
NOW = datetime(2026, 1, 1)


@lru_cache(maxsize=None)
def faker_for(locale: str) -> Any:
    from faker import Faker

    f = Faker(locale)
    for p in f.providers:
        # it_IT builds its city list from a set: its order (so the cities drawn) follows PYTHONHASHSEED
        if type(p).__module__ == "faker.providers.address.it_IT" and isinstance(getattr(p, "cities", None), list):
            p.cities = sorted(p.cities)
        if callable(getattr(p, "_parse_end_datetime", None)) and callable(getattr(p, "_parse_date_time", None)):
            # date(), year(), day_of_week() ... draw up to datetime.now(): pin it (an instance attribute shadows the classmethod)
            p._parse_end_datetime = _pinned_end(type(p))
    return f


def _pinned_end(provider: Any) -> Any:
    def parse_end(value: Any) -> int:
        return int(provider._parse_date_time(NOW if value is None else value))

    return parse_end


def seeded(locales: tuple[str, ...], seed: int) -> list[Any]:
    """One Faker per locale, each re-seeded (so a table never depends on another's draws)."""
    out = []
    for i, loc in enumerate(locales):
        f = faker_for(loc)
        f.seed_instance(seed * 1009 + i)
        out.append(f)
    return out


def _dob(f: Any) -> date:
    return f.date_between_dates(DOB_FROM, DOB_TO)


def _event(f: Any) -> datetime:
    return f.date_time_between_dates(EVENTS_FROM, EVENTS_TO).replace(tzinfo=timezone.utc)


def _region(f: Any) -> str:
    for attr in ("administrative_unit", "state", "region"):
        try:
            return str(getattr(f, attr)())
        except AttributeError:
            continue
    return str(f.city())


def _memo(share: float, words: tuple[int, int] = (6, 14)):  # type: ignore[no-untyped-def]
    def fn(f: Any, r: random.Random) -> str:
        s = f.sentence(nb_words=r.randint(*words))
        return with_name(s, f.name(), r) if r.random() < share else s
    return fn


def _plain_notes(f: Any, r: random.Random) -> str:
    """Notes about no one: the locale's lorem words minus every known first name and surname."""
    return f.sentence(nb_words=r.randint(8, 16), ext_word_list=list(faker_words(f.locales[0])))


def _ip(f: Any, r: random.Random) -> str:
    return f.ipv6() if r.random() < 0.2 else f.ipv4_public()


KINDS: dict[str, Kind] = {
    # personal
    "first_name": Kind(lambda f, r: f.first_name(), "PERSON"),
    "last_name": Kind(lambda f, r: f.last_name(), "PERSON"),
    "maiden_name": Kind(lambda f, r: f.last_name_female() if hasattr(f, "last_name_female") else f.last_name(), "PERSON"),
    "full_name": Kind(lambda f, r: f.name(), "PERSON"),
    "email": Kind(lambda f, r: f.email(), "EMAIL_ADDRESS"),
    "free_email": Kind(lambda f, r: f.free_email(), "EMAIL_ADDRESS"),
    "phone": Kind(lambda f, r: f.phone_number(), "PHONE_NUMBER"),
    "street": Kind(lambda f, r: f.street_address(), "STREET_ADDRESS"),
    "postal_address": Kind(lambda f, r: f.address().replace("\n", ", "), "STREET_ADDRESS"),
    "city": Kind(lambda f, r: f.city(), "LOCATION"),
    "dob_date": Kind(lambda f, r: _dob(f), "DATE_OF_BIRTH", typ=pa.date32()),
    "dob_dmy_slash": Kind(lambda f, r: _dob(f).strftime("%d/%m/%Y"), "DATE_OF_BIRTH"),
    "dob_dmy_dot": Kind(lambda f, r: _dob(f).strftime("%d.%m.%Y"), "DATE_OF_BIRTH"),
    "iban": Kind(lambda f, r: f.iban(), "IBAN_CODE"),
    "swift": Kind(lambda f, r: f.swift(), "SWIFT_CODE"),
    "card": Kind(lambda f, r: f.credit_card_number(), "CREDIT_CARD"),
    "ip": Kind(_ip, "IP_ADDRESS"),
    "memo_names_30": Kind(_memo(0.30), "PERSON", free_text=True),
    "memo_names_10": Kind(_memo(0.10), "PERSON", free_text=True),
    # quasi-identifiers (not personal alone)
    "country": Kind(lambda f, r: f.country(), qi="country"),
    "country_iso": Kind(lambda f, r: f.country_code(), qi="country"),
    "calling_code": Kind(lambda f, r: f.country_calling_code(), qi="country"),
    "region": Kind(lambda f, r: _region(f), qi="state"),
    "postcode": Kind(lambda f, r: f.postcode(), qi="postcode"),
    "gender": Kind(lambda f, r: f.random_element(("M", "F")), qi="gender"),
    "birth_year": Kind(lambda f, r: _dob(f).year, qi="birth_year", typ=pa.int32()),
    "job": Kind(lambda f, r: f.job(), qi="occupation"),
    # not personal
    "uuid": Kind(lambda f, r: f.uuid4()),
    "row_number": Kind(lambda f, r: f.random_int(1, 10**7), typ=pa.int64()),
    "company": Kind(lambda f, r: f.company()),
    "catch_phrase": Kind(lambda f, r: f.catch_phrase()),
    "amount": Kind(lambda f, r: float(f.pydecimal(left_digits=5, right_digits=2, positive=True)), typ=pa.float64()),
    "amount_text": Kind(lambda f, r: f.pricetag()),
    "currency": Kind(lambda f, r: f.currency_code()),
    "order_no": Kind(lambda f, r: f.bothify("??-########").upper()),
    "order_digits": Kind(lambda f, r: f.numerify("1#########")),
    "created_at": Kind(lambda f, r: _event(f), typ=pa.timestamp("us", tz="UTC")),
    "event_date_text": Kind(lambda f, r: _event(f).strftime("%d/%m/%Y")),
    "colour": Kind(lambda f, r: f.color_name()),
    "ean13": Kind(lambda f, r: f.ean13()),
    "isbn13": Kind(lambda f, r: f.isbn13()),
    "user_agent": Kind(lambda f, r: f.user_agent()),
    "url": Kind(lambda f, r: f.url()),
    "weekday": Kind(lambda f, r: f.day_of_week()),
    "quantity": Kind(lambda f, r: f.random_int(1, 250), typ=pa.int32()),
    "latitude": Kind(lambda f, r: float(f.latitude()), typ=pa.float64()),
    "notes_plain": Kind(_plain_notes, free_text=True),
    "file_name": Kind(lambda f, r: f.file_name()),
    "language": Kind(lambda f, r: f.language_name()),
}


def tables(split: str, locales: tuple[str, ...], seed: int, rows: int) -> list[EvalTable]:
    """The Faker tables of one split: a one-locale table with native column names, and a mixed-locale one."""
    if split in ("dev", "tune2"):  # tune2: dev layouts, test locales
        local_name, local_loc = "faker_fr_clients", locales[0]
        local = [
            ("IdClient", "uuid", 0.0), ("Prenom", "first_name", 0.0), ("NomDeFamille", "last_name", 0.0),
            ("NomDeJeuneFille", "maiden_name", 0.55), ("Courriel", "email", 0.05), ("TelPortable", "phone", 0.08),
            ("Adresse", "street", 0.0), ("CodePostal", "postcode", 0.0), ("Ville", "city", 0.0),
            ("Region", "region", 0.0), ("Pays", "country", 0.0), ("DateNaissance", "dob_dmy_slash", 0.0),
            ("Profession", "job", 0.1), ("Societe", "company", 0.0), ("IBAN", "iban", 0.0), ("BIC", "swift", 0.0),
            ("MontantTTC", "amount", 0.0), ("Devise", "currency", 0.0), ("NumeroCommande", "order_no", 0.0),
            ("DateCreation", "created_at", 0.0), ("Couleur", "colour", 0.0), ("Commentaire", "memo_names_30", 0.2),
        ]
        mixed_name = "faker_crm_contacts"
        mixed = [
            ("id", "uuid", 0.0), ("FullName", "full_name", 0.0), ("MothersMaidenName", "maiden_name", 0.1),
            ("EmailAddr", "free_email", 0.0), ("TelephoneNumber", "phone", 0.0), ("CountryCode", "calling_code", 0.0),
            ("StreetAddress1", "street", 0.0), ("Town", "city", 0.0), ("County", "region", 0.0), ("PostCode", "postcode", 0.0),
            ("field_07", "dob_date", 0.0), ("birth_yr", "birth_year", 0.0), ("JobTitle", "job", 0.0), ("Employer", "company", 0.0),
            ("card_pan", "card", 0.0), ("last_login_ip", "ip", 0.05), ("created_at", "created_at", 0.0),
            ("OrderTotal", "amount", 0.0), ("Currency", "currency", 0.0), ("Country", "country", 0.0),
            ("Gender", "gender", 0.0), ("Slogan", "catch_phrase", 0.0), ("Notes", "notes_plain", 0.3),
        ]
    elif split == "tune3":  # tune3: its own layouts and column names (opaque, reworded English, the locales' languages)
        local_name, local_loc = "faker_br_cadastro", locales[0]
        local = [
            ("CodigoCadastro", "row_number", 0.0), ("PrimeiroNome", "first_name", 0.0), ("Sobrenome", "last_name", 0.0),
            ("SobrenomeSolteira", "maiden_name", 0.5), ("inbox", "email", 0.05), ("Celular", "phone", 0.08),
            ("Logradouro", "street", 0.0), ("CEP", "postcode", 0.0), ("Municipio", "city", 0.0), ("UF", "region", 0.0),
            ("c11", "country", 0.0), ("DtNasc", "dob_dmy_slash", 0.0), ("line_of_work", "job", 0.1),
            ("RazaoSocial", "company", 0.0), ("c15", "iban", 0.0), ("c16", "swift", 0.0), ("gross_value", "amount", 0.0),
            ("c18", "currency", 0.0), ("purchase_ref", "order_no", 0.0), ("DataCadastro", "created_at", 0.0),
            ("shade", "colour", 0.0), ("Observacoes", "memo_names_30", 0.2), ("c23", "catch_phrase", 0.0),
        ]
        mixed_name = "faker_loyalty_members"
        mixed = [  # a phone column with its calling-code sibling
            ("F01", "uuid", 0.0), ("given_name", "first_name", 0.0), ("surname", "last_name", 0.0), ("F04", "maiden_name", 0.1),
            ("mail_to", "free_email", 0.0), ("contact_phone", "phone", 0.0), ("phone_cc", "calling_code", 0.0),
            ("residence_line", "postal_address", 0.0), ("residence_town", "city", 0.0), ("postal_area", "postcode", 0.0),
            ("F40", "region", 0.0), ("F12", "dob_date", 0.0), ("F13", "birth_year", 0.0), ("epangelma", "job", 0.0),
            ("etaireia", "company", 0.0), ("card_on_file", "card", 0.0), ("client_ip", "ip", 0.05), ("F18", "created_at", 0.0),
            ("monto", "amount", 0.0), ("divisa", "currency", 0.0), ("home_country", "country", 0.0), ("genero", "gender", 0.0),
            ("tagline", "catch_phrase", 0.0), ("agent_notes", "notes_plain", 0.3), ("F25", "ean13", 0.0),
        ]
    elif split == "tune4":  # tune4: layouts, column names and kinds of its own (web, catalogue and calendar columns)
        local_name, local_loc = "faker_ar_padron", locales[0]
        local = [
            ("NroLegajo", "row_number", 0.0), ("Nombres", "first_name", 0.0), ("ApellidoPaterno", "last_name", 0.0),
            ("ApellidoMaterno", "maiden_name", 0.3), ("CorreoElectronico", "email", 0.05), ("TelefonoFijo", "phone", 0.12),
            ("Domicilio", "street", 0.0), ("CodPostal", "postcode", 0.0), ("Localidad", "city", 0.0),
            ("Provincia", "region", 0.0), ("PaisOrigen", "country", 0.0), ("FechaNac", "dob_dmy_slash", 0.0),
            ("Sexo", "gender", 0.0), ("Oficio", "job", 0.15), ("Empleador", "company", 0.0), ("CuentaBancaria", "iban", 0.0),
            ("Importe", "amount_text", 0.0), ("Moneda", "currency", 0.0), ("DiaVisita", "weekday", 0.0),
            ("FechaAlta", "event_date_text", 0.0), ("SitioWeb", "url", 0.0), ("Observaciones", "memo_names_10", 0.25),
            ("Idioma", "language", 0.0),
        ]
        mixed_name = "faker_web_signups"
        mixed = [  # a phone column with an ISO country-code sibling
            ("k1", "uuid", 0.0), ("display_as", "full_name", 0.0), ("k3", "maiden_name", 0.2), ("reach_me_at", "free_email", 0.0),
            ("k5", "phone", 0.05), ("origin", "country_iso", 0.0), ("k7", "postal_address", 0.0), ("k8", "city", 0.0),
            ("k9", "postcode", 0.0), ("born", "dob_date", 0.0), ("k11", "birth_year", 0.0), ("k12", "job", 0.05),
            ("k13", "company", 0.0), ("k14", "card", 0.0), ("k15", "ip", 0.0), ("k16", "created_at", 0.0),
            ("agent_string", "user_agent", 0.0), ("landing_page", "url", 0.0), ("k19", "isbn13", 0.0),
            ("upload", "file_name", 0.0), ("k21", "latitude", 0.0), ("k22", "quantity", 0.0), ("k23", "weekday", 0.0),
            ("k24", "notes_plain", 0.25), ("k25", "memo_names_30", 0.3),
        ]
    elif split == "test2":  # test2 (held out): the test locales under layouts and column names of its own
        local_name, local_loc = "faker_pt_titulares", locales[1]
        local = [
            ("NumTitular", "row_number", 0.0), ("NomeProprio", "first_name", 0.0), ("Apelido", "last_name", 0.0),
            ("ApelidoMae", "maiden_name", 0.4), ("EnderecoEletronico", "email", 0.05), ("Contacto", "phone", 0.1),
            ("Morada", "street", 0.0), ("CodigoPostal", "postcode", 0.0), ("Concelho", "city", 0.0), ("Distrito", "region", 0.0),
            ("Nacionalidade", "country", 0.0), ("NascidoEm", "dob_dmy_slash", 0.0), ("GeneroTitular", "gender", 0.0),
            ("Ocupacao", "job", 0.1), ("EntidadePatronal", "company", 0.0), ("NIB", "iban", 0.0), ("CodigoBIC", "swift", 0.0),
            ("ValorMovimento", "amount", 0.0), ("MoedaConta", "currency", 0.0), ("Encomenda", "order_digits", 0.0),
            ("RegistadoEm", "created_at", 0.0), ("Cor", "colour", 0.0), ("Anotacoes", "memo_names_30", 0.2),
        ]
        mixed_name = "faker_kyc_extract"
        mixed = [
            ("col_a", "uuid", 0.0), ("legal_name", "full_name", 0.0), ("col_c", "maiden_name", 0.1),
            ("notify_email", "free_email", 0.0), ("col_e", "phone", 0.05), ("col_f", "country_iso", 0.0),
            ("mailing_block", "postal_address", 0.0), ("col_h", "city", 0.0), ("col_i", "region", 0.0),
            ("col_j", "postcode", 0.0), ("col_k", "dob_date", 0.0), ("col_l", "birth_year", 0.0), ("col_m", "job", 0.05),
            ("col_n", "company", 0.0), ("col_o", "card", 0.0), ("col_p", "ip", 0.0), ("col_q", "created_at", 0.0),
            ("col_r", "amount_text", 0.0), ("col_s", "currency", 0.0), ("col_t", "ean13", 0.0), ("col_u", "url", 0.0),
            ("col_v", "user_agent", 0.0), ("col_w", "file_name", 0.0), ("col_x", "notes_plain", 0.2), ("col_y", "memo_names_10", 0.2),
        ]
    elif split == "tune5":  # tune5: almost every column name opaque
        local_name, local_loc = "faker_us_extract", locales[0]
        local = [
            ("a01", "row_number", 0.0), ("a02", "first_name", 0.0), ("a03", "last_name", 0.0), ("a04", "maiden_name", 0.4),
            ("a05", "email", 0.05), ("a06", "phone", 0.1), ("a07", "street", 0.0), ("a08", "postcode", 0.0),
            ("a09", "city", 0.0), ("a10", "region", 0.0), ("a11", "country", 0.0), ("a12", "dob_dmy_slash", 0.0),
            ("a13", "gender", 0.0), ("a14", "job", 0.1), ("a15", "company", 0.0), ("a16", "iban", 0.0), ("a17", "swift", 0.0),
            ("a18", "amount", 0.0), ("a19", "currency", 0.0), ("a20", "order_digits", 0.0), ("a21", "created_at", 0.0),
            ("a22", "colour", 0.0), ("a23", "memo_names_10", 0.2), ("a24", "event_date_text", 0.0), ("a25", "language", 0.0),
        ]
        mixed_name = "faker_vendor_feed"
        mixed = [
            ("FLD_01", "uuid", 0.0), ("FLD_02", "full_name", 0.0), ("FLD_03", "maiden_name", 0.1), ("FLD_04", "free_email", 0.0),
            ("FLD_05", "phone", 0.05), ("FLD_06", "calling_code", 0.0), ("FLD_07", "postal_address", 0.0), ("FLD_08", "city", 0.0),
            ("FLD_09", "region", 0.0), ("FLD_10", "postcode", 0.0), ("FLD_11", "dob_dmy_dot", 0.0), ("FLD_12", "birth_year", 0.0),
            ("FLD_13", "job", 0.05), ("FLD_14", "company", 0.0), ("FLD_15", "card", 0.0), ("FLD_16", "ip", 0.0),
            ("FLD_17", "created_at", 0.0), ("FLD_18", "amount_text", 0.0), ("FLD_19", "currency", 0.0), ("FLD_20", "isbn13", 0.0),
            ("FLD_21", "url", 0.0), ("FLD_22", "user_agent", 0.0), ("FLD_23", "weekday", 0.0), ("FLD_24", "notes_plain", 0.2),
            ("FLD_25", "memo_names_30", 0.2), ("FLD_26", "catch_phrase", 0.0), ("FLD_27", "country_iso", 0.0),
        ]
    elif split == "test3":  # test3 (held out): layouts written apart, in benchmarks/eval/layouts_test3.py
        from benchmarks.eval import layouts_test3

        local_name, local_loc, local = layouts_test3.FAKER_LOCAL
        mixed_name, mixed = layouts_test3.FAKER_MIXED
    else:
        local_name, local_loc = "faker_cz_zakaznici", locales[0]
        local = [
            ("CisloZakaznika", "row_number", 0.0), ("Jmeno", "first_name", 0.0), ("Prijmeni", "last_name", 0.0),
            ("RodnePrijmeni", "maiden_name", 0.5), ("EmailovaAdresa", "email", 0.05), ("Telefon", "phone", 0.1),
            ("Ulice", "street", 0.0), ("PSC", "postcode", 0.0), ("Obec", "city", 0.0), ("Kraj", "region", 0.0),
            ("Stat", "country", 0.0), ("DatumNarozeni", "dob_dmy_dot", 0.0), ("Pohlavi", "gender", 0.0),
            ("Povolani", "job", 0.1), ("Zamestnavatel", "company", 0.0), ("CisloUctu", "iban", 0.0), ("KodBanky", "swift", 0.0),
            ("Castka", "amount", 0.0), ("Mena", "currency", 0.0), ("CisloObjednavky", "order_digits", 0.0),
            ("Vytvoreno", "created_at", 0.0), ("Barva", "colour", 0.0), ("Poznamka", "memo_names_10", 0.25),
        ]
        mixed_name = "faker_member_roster"
        mixed = [
            ("member_ref", "uuid", 0.0), ("MemberName", "full_name", 0.0), ("MaidenNameMother", "maiden_name", 0.15),
            ("PrimaryEmail", "email", 0.0), ("ContactNo", "phone", 0.05), ("Nation", "country_iso", 0.0),
            ("HomeAddress", "postal_address", 0.0), ("Locality", "city", 0.0), ("Province", "region", 0.0),
            ("ZipCode", "postcode", 0.0), ("f_11", "dob_date", 0.0), ("BirthYear", "birth_year", 0.0),
            ("Position", "job", 0.05), ("Organisation", "company", 0.0), ("PaymentCard", "card", 0.0),
            ("remote_addr", "ip", 0.0), ("updated_at", "created_at", 0.0), ("Balance", "amount_text", 0.0),
            ("CurrencyCode", "currency", 0.0), ("Barcode", "ean13", 0.0), ("BookIsbn", "isbn13", 0.0),
            ("Browser", "user_agent", 0.0), ("Homepage", "url", 0.0), ("VisitDay", "weekday", 0.0), ("Remarks", "notes_plain", 0.2),
        ]
    rest = tuple(loc for loc in locales if loc != local_loc)
    return [
        build_table(name=local_name, source="faker", split=split, locales=(local_loc,), rows=rows, seed=seed + 1,
                    spec=local, kinds=KINDS, providers=seeded((local_loc,), seed + 1)),
        build_table(name=mixed_name, source="faker", split=split, locales=rest or locales, rows=rows, seed=seed + 2,
                    spec=mixed, kinds=KINDS, providers=seeded(rest or locales, seed + 2)),
    ]
