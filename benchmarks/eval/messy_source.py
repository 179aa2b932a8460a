"""A "messy export" derived from Faker and Mimesis values, with the mess real exports carry.

Values come from the two third-party sources (each row from one of the split's Faker or Mimesis
locales); this module only damages them the way spreadsheets and legacy exports do:

- Excel-mangled numbers: phone and card numbers as ``4.4207946E+11``, card numbers cut to 15
  significant digits, leading zeros dropped (``0612345678`` -> ``612345678``), EANs in E notation;
- non-ASCII names (the locales' own), upper-case names, ``LAST, First``;
- mixed date formats (ISO, day first, month first, two-digit years, month names, Excel serials);
- stray whitespace (leading/trailing blanks, doubled spaces, tabs, no-break spaces), empty strings
  and nulls; a column that is empty altogether.
"""

from __future__ import annotations

import random
import re
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from benchmarks.eval import faker_source, mimesis_source
from benchmarks.eval.labels import EvalTable, Kind, build_table, with_name

# P.O. box wording by language (the only strings of this module that end up in values)
PO_BOX = {"fr": "BP {n}", "de": "Postfach {n}", "es": "Apartado de correos {n}", "en": "P.O. Box {n}",
          "cs": "P.O. Box {n}", "pt": "Apartado {n}", "pl": "Skrytka pocztowa {n}", "it": "Casella postale {n}",
          "nl": "Postbus {n}", "sv": "Box {n}", "da": "Postboks {n}", "fi": "PL {n}", "hu": "Pf. {n}",
          "ro": "C.P. {n}", "tr": "P.K. {n}", "ja": "私書箱{n}号",
          # languages of the tune3 split
          "el": "Τ.Θ. {n}", "hr": "p.p. {n}", "sk": "P. O. Box {n}", "sl": "p.p. {n}", "lt": "a.d. {n}", "lv": "a/k {n}",
          "et": "postkast {n}", "no": "Postboks {n}", "uk": "а/с {n}", "id": "Kotak Pos {n}"}
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%b-%y", "%d %B %Y", "%Y%m%d", "%d/%m/%y", "%Y/%m/%d"]
EXCEL_EPOCH = date(1899, 12, 30)


class Row:
    """One row's provider: a Faker or a Mimesis ``Generic`` of one locale."""

    def __init__(self, kind: str, lang: str, p: Any) -> None:
        self.kind, self.lang, self.p = kind, lang, p

    def call(self, faker_fn: Any, mimesis_fn: Any) -> Any:
        return faker_fn(self.p) if self.kind == "faker" else mimesis_fn(self.p)

    def name(self) -> str:
        return self.call(lambda f: f.name(), lambda g: g.person.full_name())

    def phone(self) -> str:
        return self.call(lambda f: f.phone_number(), lambda g: g.person.telephone())

    def email(self) -> str:
        return self.call(lambda f: f.email(), lambda g: g.person.email())

    def card(self) -> str:
        return self.call(lambda f: f.credit_card_number(), lambda g: g.payment.credit_card_number())

    def street(self) -> str:
        return self.call(lambda f: f.street_address(), lambda g: g.address.address())

    def city(self) -> str:
        return self.call(lambda f: f.city(), lambda g: g.address.city())

    def postcode(self) -> str:
        return self.call(lambda f: f.postcode(), lambda g: g.address.postal_code())

    def dob(self) -> date:
        return self.call(lambda f: f.date_between_dates(faker_source.DOB_FROM, faker_source.DOB_TO),
                         lambda g: g.person.birthdate(min_year=1935, max_year=2007))

    def event(self) -> datetime:
        return self.call(lambda f: f.date_time_between_dates(faker_source.EVENTS_FROM, faker_source.EVENTS_TO),
                         lambda g: g.datetime.datetime(start=2023, end=2025))

    def job(self) -> str:
        return self.call(lambda f: f.job(), lambda g: g.person.occupation())

    def company(self) -> str:
        return self.call(lambda f: f.company(), lambda g: g.finance.company())

    def sentence(self) -> str:
        return self.call(lambda f: f.sentence(nb_words=12), lambda g: g.text.sentence())

    def ip(self) -> str:
        return self.call(lambda f: f.ipv4_public(), lambda g: g.internet.ip_v4())

    def country(self, r: random.Random) -> str:
        if r.random() < 0.4:
            return self.call(lambda f: f.country_code(), lambda g: g.address.country_code())
        return self.call(lambda f: f.country(), lambda g: g.address.country())

    def gender(self) -> str:
        return self.call(lambda f: f.random_element(("M", "F")), lambda g: g.person.gender())

    def currency(self) -> str:
        return self.call(lambda f: f.currency_code(), lambda g: g.finance.currency_iso_code())

    def colour(self) -> str:
        return self.call(lambda f: f.color_name(), lambda g: g.text.color())

    def ean(self) -> str:
        return self.call(lambda f: f.ean13(), lambda g: g.code.ean())

    def iban(self) -> str:
        # Mimesis has no IBANs: the Faker of the same language, or the first Faker, makes one.
        return self.call(lambda f: f.iban(), lambda g: _IBAN_FAKERS[self.lang].iban())


_IBAN_FAKERS: dict[str, Any] = {}


# --------------------------------------------------------------------------- mess
def ws(s: str, r: random.Random, p: float = 0.25) -> str:
    """Stray whitespace on a share ``p`` of values."""
    if r.random() >= p:
        return s
    k = r.randrange(5)
    if k == 0:
        return " " + s
    if k == 1:
        return s + "  "
    if k == 2:
        return s.replace(" ", "  ", 1)
    if k == 3:
        return s + "\t"
    return "\u00a0" + s


def blank(r: random.Random, p: float) -> bool:
    return r.random() < p


def digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def excel_sci(num: str, r: random.Random) -> str:
    """A long number as Excel shows it in a narrow General column: ``4.4207946E+11``."""
    return f"{int(num):.{r.randint(4, 8)}E}"


def excel_15(num: str) -> str:
    """Excel keeps 15 significant digits: a 16-digit card number loses its last one."""
    return num[:15] + "0" * (len(num) - 15) if len(num) > 15 else num


def fmt_date(d: date, r: random.Random) -> str:
    if r.random() < 0.1:
        return str((d - EXCEL_EPOCH).days)
    return d.strftime(r.choice(DATE_FORMATS))


def _name(row: Row, r: random.Random) -> str:
    if blank(r, 0.04):
        return ""
    n = row.name()
    u = r.random()
    if u < 0.3:
        n = n.upper()
    elif u < 0.5 and " " in n:
        first, _, last = n.rpartition(" ")
        n = f"{last.upper()}, {first}"
    return ws(n, r)


def _phone_excel(row: Row, r: random.Random) -> str:
    p = row.phone()
    d = digits(p)
    u = r.random()
    if u < 0.4 and len(d) >= 9:
        return excel_sci(d, r)
    if u < 0.7 and d:
        return str(int(d))
    return ws(p, r)


def _phone_digits(row: Row, r: random.Random) -> str:
    d = digits(row.phone())
    return str(int(d)) if d else ""


def _email(row: Row, r: random.Random) -> str:
    if blank(r, 0.08):
        return ""
    e = row.email()
    return ws(e.upper() if r.random() < 0.2 else e, r)


def _card_excel(row: Row, r: random.Random) -> str:
    d = digits(row.card())
    u = r.random()
    if u < 0.45:
        return excel_sci(d, r)
    if u < 0.7:
        return excel_15(d)
    return ws(d, r)


def _iban(row: Row, r: random.Random) -> str:
    i = row.iban()
    if r.random() < 0.4:
        i = " ".join(i[k:k + 4] for k in range(0, len(i), 4))
    if r.random() < 0.2:
        i = i.lower()
    return ws(i, r)


def _address(row: Row, r: random.Random) -> str:
    u = r.random()
    if u < 0.12:
        s = PO_BOX.get(row.lang, PO_BOX["en"]).format(n=r.randint(1, 9999))
    else:
        s = row.street()
        if u < 0.25:
            s = f"{s}\n{row.postcode()} {row.city()}"
        if r.random() < 0.15:
            s = s.upper()
    return ws(s, r, 0.35)


def _city(row: Row, r: random.Random) -> str:
    c = row.city()
    return ws(c.upper() if r.random() < 0.3 else c, r)


def _zip(row: Row, r: random.Random) -> str:
    z = row.postcode()
    if z.isdigit():
        return str(int(z))  # stored as a number: leading zeros gone
    return ws(z, r)


def _gender(row: Row, r: random.Random) -> str:
    if blank(r, 0.1):
        return ""
    g = row.gender()
    return g.lower() if r.random() < 0.3 else g


def _amount(row: Row, r: random.Random) -> str:
    v = r.uniform(0.5, 25000)
    style = r.randrange(5)
    if style == 0:
        return f"{v:,.2f}"
    if style == 1:
        return f"{v:,.2f}".replace(",", " ").replace(".", ",")
    if style == 2:
        return f"{v:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    if style == 3:
        return f"{row.currency()} {v:.2f}"
    return f"{v:.2f}"


def _memo(row: Row, r: random.Random) -> str:
    if blank(r, 0.1):
        return ""
    s = row.sentence()
    if r.random() < 0.15:
        s = with_name(s, row.name(), r)
    return ws(s, r)


def _ean_excel(row: Row, r: random.Random) -> str:
    e = row.ean()
    return excel_sci(e, r) if r.random() < 0.5 else e


def _ip(row: Row, r: random.Random) -> str:
    ip = row.ip()
    if r.random() < 0.1:
        ip += f":{r.choice([443, 8080, 51234])}"
    return ws(ip, r)


KINDS: dict[str, Kind] = {
    "name_mess": Kind(_name, "PERSON"),
    "phone_excel": Kind(_phone_excel, "PHONE_NUMBER"),
    "phone_digits": Kind(_phone_digits, "PHONE_NUMBER"),
    "email_mess": Kind(_email, "EMAIL_ADDRESS"),
    "card_excel": Kind(_card_excel, "CREDIT_CARD"),
    "iban_mess": Kind(_iban, "IBAN_CODE"),
    "address_mess": Kind(_address, "STREET_ADDRESS"),
    "city_mess": Kind(_city, "LOCATION"),
    "dob_mixed": Kind(lambda row, r: fmt_date(row.dob(), r), "DATE_OF_BIRTH"),
    "ip_mess": Kind(_ip, "IP_ADDRESS"),
    "memo_mess": Kind(_memo, "PERSON", free_text=True),
    "country_mess": Kind(lambda row, r: "" if blank(r, 0.05) else ws(row.country(r), r), qi="country"),
    "zip_mess": Kind(_zip, qi="postcode"),
    "gender_mess": Kind(_gender, qi="gender"),
    "job_mess": Kind(lambda row, r: ws(row.job().upper() if r.random() < 0.2 else row.job(), r), qi="occupation"),
    "row_id": Kind(lambda row, r: r.randint(1, 10**6), typ=pa.int64()),
    "company": Kind(lambda row, r: ws(row.company(), r)),
    "amount_mess": Kind(_amount),
    "order_digits": Kind(lambda row, r: str(r.randint(10**9, 10**10 - 1))),
    "event_mixed": Kind(lambda row, r: fmt_date(row.event().date(), r)),
    "currency_mess": Kind(lambda row, r: ws(row.currency().lower() if r.random() < 0.2 else row.currency(), r)),
    "colour": Kind(lambda row, r: row.colour()),
    "empty": Kind(lambda row, r: "" if r.random() < 0.6 else None),
    "ean_excel": Kind(_ean_excel),
}


def _rows(faker_locales: tuple[str, ...], mimesis_locales: tuple[str, ...], seed: int) -> list[Row]:
    fakers = faker_source.seeded(faker_locales, seed)
    gens = mimesis_source.generics(mimesis_locales, seed)
    _IBAN_FAKERS.clear()
    for loc, f in zip(faker_locales, fakers):
        _IBAN_FAKERS.setdefault(loc.split("_")[0], f)
    for loc in mimesis_locales:
        _IBAN_FAKERS.setdefault(loc.split("-")[0], fakers[0])
    return ([Row("faker", loc.split("_")[0], f) for loc, f in zip(faker_locales, fakers)]
            + [Row("mimesis", loc.split("-")[0], g) for loc, g in zip(mimesis_locales, gens)])


def tables(split: str, faker_locales: tuple[str, ...], mimesis_locales: tuple[str, ...], seed: int, rows: int) -> list[EvalTable]:
    """The messy export of one split (rows drawn from every Faker and Mimesis locale of the split)."""
    if split in ("dev", "tune2"):  # tune2: dev layouts, test locales
        name = "messy_export_q3"
        spec = [
            ("ROWID", "row_id", 0.0), ("CUSTNAME", "name_mess", 0.05), ("Tel", "phone_excel", 0.1), ("GSM", "phone_digits", 0.2),
            ("E_mail", "email_mess", 0.05), ("Card_No", "card_excel", 0.1), ("IBAN", "iban_mess", 0.1), ("Addr1", "address_mess", 0.05),
            ("CITY", "city_mess", 0.05), ("Cntry", "country_mess", 0.05), ("Zip", "zip_mess", 0.05), ("field_07", "dob_mixed", 0.1),
            ("Sex", "gender_mess", 0.05), ("Occupation", "job_mess", 0.15), ("Company", "company", 0.05), ("Amount", "amount_mess", 0.0),
            ("OrderNo", "order_digits", 0.0), ("Created", "event_mixed", 0.0), ("Curr", "currency_mess", 0.0), ("Colour", "colour", 0.1),
            ("Memo", "memo_mess", 0.2), ("Unnamed_21", "empty", 0.0), ("RefCode", "ean_excel", 0.0), ("IP", "ip_mess", 0.1),
        ]
    elif split == "tune3":  # tune3: its own layout and column names (opaque, reworded English, the locales' languages)
        name = "messy_crm_migration"
        spec = [
            ("LOPENR", "row_id", 0.0), ("KUNDE_NAVN", "name_mess", 0.05), ("TLF_HJEM", "phone_excel", 0.15),
            ("C04", "phone_digits", 0.2), ("CONTACT_MAIL", "email_mess", 0.05), ("KARTENNUMMER", "card_excel", 0.1),
            ("C07", "iban_mess", 0.1), ("GATEADRESSE", "address_mess", 0.05), ("HOME_TOWN", "city_mess", 0.05),
            ("C10", "country_mess", 0.05), ("POSTNR", "zip_mess", 0.05), ("C12", "dob_mixed", 0.1),
            ("KJONN", "gender_mess", 0.05), ("WORK_ROLE", "job_mess", 0.15), ("ARBEITGEBER", "company", 0.05),
            ("SUMA", "amount_mess", 0.0), ("TICKET_NO", "order_digits", 0.0), ("C18", "event_mixed", 0.0),
            ("CCY", "currency_mess", 0.0), ("FARGE", "colour", 0.1), ("CALL_LOG", "memo_mess", 0.2),
            ("C22", "empty", 0.0), ("C23", "ean_excel", 0.0), ("WAN_ADDRESS", "ip_mess", 0.1),
        ]
    elif split == "tune4":  # tune4: its own layout and column names
        name = "messy_branch_extract"
        spec = [
            ("SEQ", "row_id", 0.0), ("TITULAR", "name_mess", 0.05), ("FONE1", "phone_excel", 0.15),
            ("FONE2", "phone_digits", 0.3), ("MAILBOX", "email_mess", 0.05), ("PAN_RAW", "card_excel", 0.1),
            ("ACCT", "iban_mess", 0.1), ("DIRECCION", "address_mess", 0.05), ("D09", "city_mess", 0.05),
            ("NATION_CD", "country_mess", 0.05), ("D11", "zip_mess", 0.05), ("NACIMIENTO", "dob_mixed", 0.1),
            ("D13", "gender_mess", 0.05), ("D14", "job_mess", 0.15), ("PATRON", "company", 0.05),
            ("VALOR", "amount_mess", 0.0), ("D17", "order_digits", 0.0), ("D18", "event_mixed", 0.0),
            ("D19", "currency_mess", 0.0), ("D20", "colour", 0.1), ("NOTA_AGENTE", "memo_mess", 0.2),
            ("D22", "empty", 0.0), ("D23", "ean_excel", 0.0), ("LAST_SEEN_FROM", "ip_mess", 0.1),
        ]
    elif split == "test2":  # test2 (held out): its own layout and column names
        name = "messy_core_banking_export"
        spec = [
            ("ROW_SEQ", "row_id", 0.0), ("KUND_NAMN", "name_mess", 0.05), ("PUHELIN1", "phone_excel", 0.15),
            ("G04", "phone_digits", 0.2), ("SAHKOPOSTI", "email_mess", 0.05), ("G06", "card_excel", 0.1),
            ("TILINUMERO", "iban_mess", 0.1), ("G08", "address_mess", 0.05), ("KAUPUNKI", "city_mess", 0.05),
            ("G10", "country_mess", 0.05), ("G11", "zip_mess", 0.05), ("SZULETESI_DATUM", "dob_mixed", 0.1),
            ("G13", "gender_mess", 0.05), ("G14", "job_mess", 0.15), ("G15", "company", 0.05),
            ("OSSZEG", "amount_mess", 0.0), ("G17", "order_digits", 0.0), ("G18", "event_mixed", 0.0),
            ("G19", "currency_mess", 0.0), ("G20", "colour", 0.1), ("MEGJEGYZES", "memo_mess", 0.2),
            ("G22", "empty", 0.0), ("G23", "ean_excel", 0.0), ("G24", "ip_mess", 0.1),
        ]
    elif split == "tune5":  # tune5: almost every column name opaque
        name = "messy_unlabelled_dump"
        spec = [
            ("U01", "row_id", 0.0), ("U02", "name_mess", 0.05), ("U03", "phone_excel", 0.15), ("U04", "phone_digits", 0.25),
            ("U05", "email_mess", 0.05), ("U06", "card_excel", 0.1), ("U07", "iban_mess", 0.1), ("U08", "address_mess", 0.05),
            ("U09", "city_mess", 0.05), ("U10", "country_mess", 0.05), ("U11", "zip_mess", 0.05), ("U12", "dob_mixed", 0.1),
            ("U13", "gender_mess", 0.05), ("U14", "job_mess", 0.15), ("U15", "company", 0.05), ("U16", "amount_mess", 0.0),
            ("U17", "order_digits", 0.0), ("U18", "event_mixed", 0.0), ("U19", "currency_mess", 0.0), ("U20", "colour", 0.1),
            ("U21", "memo_mess", 0.2), ("U22", "empty", 0.0), ("U23", "ean_excel", 0.0), ("U24", "ip_mess", 0.1),
        ]
    elif split == "test3":  # test3 (held out): layout written apart, in benchmarks/eval/layouts_test3.py
        from benchmarks.eval import layouts_test3

        name, spec = layouts_test3.MESSY
    else:
        name = "messy_legacy_dump"
        spec = [
            ("REC_NO", "row_id", 0.0), ("NAAM_VOLLEDIG", "name_mess", 0.05), ("TEL_PRIVE", "phone_excel", 0.15),
            ("MOBIEL_NR", "phone_digits", 0.25), ("EPOST", "email_mess", 0.05), ("KORTNR", "card_excel", 0.1),
            ("REKENING", "iban_mess", 0.1), ("ADRES1", "address_mess", 0.05), ("WOONPLAATS", "city_mess", 0.05),
            ("LANDCODE", "country_mess", 0.05), ("POSTKODE", "zip_mess", 0.05), ("GEB_DATUM", "dob_mixed", 0.1),
            ("GESLACHT", "gender_mess", 0.05), ("BEROEP", "job_mess", 0.15), ("BEDRIJF", "company", 0.05),
            ("BEDRAG", "amount_mess", 0.0), ("BONNR", "order_digits", 0.0), ("INGEVOERD", "event_mixed", 0.0),
            ("VALUTA", "currency_mess", 0.0), ("KLEUR", "colour", 0.1), ("OPMERKING", "memo_mess", 0.2),
            ("KOLOM_22", "empty", 0.0), ("EAN", "ean_excel", 0.0), ("IPADRES", "ip_mess", 0.1),
        ]
    providers = _rows(faker_locales, mimesis_locales, seed + 21)
    return [build_table(name=name, source="messy", split=split, locales=faker_locales + mimesis_locales, rows=rows,
                        seed=seed + 21, spec=spec, kinds=KINDS, providers=providers)]
