"""Generate the labelled classification benchmark: several tables, semantic and opaque column
names, nulls, mixed columns, free text, and non-personal look-alikes (UUIDs, order numbers,
amounts, merchant codes, scores, 16-digit references that fail Luhn).

Every value is synthetic (made-up names, test card numbers generated with a valid Luhn digit,
IBANs with computed check digits). ``LABELS`` gives the expected entity of every column (None
for non-personal) and, for free-text and mixed columns, the other entities present.

Usage::

    python -m benchmarks.labelled.generate OUT_DIR [--rows 2000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

FIRST = ["James", "Maria", "Robert", "Olivia", "Wei", "Aisha", "Carlos", "Emma", "Noah", "Sofia", "Liam", "Hannah",
         "Mohammed", "Yuki", "Lucas", "Chloe", "Daniel", "Fatima", "Ivan", "Grace", "Mateo", "Zoe", "Samuel", "Elena",
         "David", "Priya", "Thomas", "Anna", "Michael", "Laura", "Peter", "Sarah", "John", "Julia", "George", "Nina"]
LAST = ["Smith", "Garcia", "Chen", "Nguyen", "Kowalski", "Johnson", "Müller", "Rossi", "Okafor", "Tanaka", "Brown",
        "Williams", "Martinez", "Anderson", "Dubois", "Schmidt", "Kim", "Patel", "Novak", "Silva", "Cohen", "Murphy",
        "O'Brien", "Jensen", "Lopez", "Taylor", "Moore", "Clark", "Walker", "Young", "King", "Wright", "Hill", "Green"]
CITIES = ["London", "Berlin", "Paris", "Madrid", "Chicago", "Boston", "Seattle", "Toronto", "Dublin", "Amsterdam",
          "Vienna", "Lisbon", "Warsaw", "Prague", "Denver", "Atlanta", "Houston", "Sydney", "Melbourne", "Rome"]
COUNTRIES = ["Germany", "France", "Spain", "Italy", "Canada", "Ireland", "Poland", "Portugal", "Austria", "Japan",
             "Brazil", "Mexico", "India", "Australia", "Netherlands", "Belgium", "Sweden", "Norway", "Kenya", "Egypt"]
STREETS = ["Baker", "Oak", "Maple", "Elm", "High", "Main", "Church", "Park", "Mill", "Station", "Victoria", "King",
           "Queen", "Cedar", "Pine", "Lake", "Hill", "River", "Washington", "Lincoln"]
STREET_TYPES = ["Street", "St", "Avenue", "Ave", "Road", "Rd", "Lane", "Drive", "Way", "Court", "Place", "Boulevard"]
DOMAINS = ["example.com", "mail.example.org", "example.net", "corp.example.co.uk", "example.de"]
PRODUCTS = ["Premium steel water bottle, 750 ml, dishwasher safe", "Wireless noise cancelling headphones with case",
            "Organic cotton t-shirt, slim fit, navy blue", "Stainless steel chef knife with wooden handle",
            "Ergonomic office chair with lumbar support", "Rechargeable LED desk lamp, three brightness levels",
            "Ceramic coffee mug set of four, matte finish", "Waterproof hiking backpack, 30 litre capacity"]
CATEGORIES = ["electronics", "home", "apparel", "kitchen", "office", "outdoor", "sports", "garden"]
STATUSES = ["ACTIVE", "PENDING", "DECLINED", "REFUNDED", "CANCELED", "APPROVED"]
CURRENCIES = ["USD", "EUR", "GBP", "CHF", "JPY"]
BANK_BICS = ["DEUTDEFF", "BNPAFRPP", "COBADEFF", "CHASUS33", "BOFAUS3N", "NWBKGB2L", "HSBCGB2L", "INGBNL2A", "UBSWCHZH", "CITIUS33"]
ABA_PREFIXES = ["011", "021", "026", "031", "051", "061", "071", "081", "091", "101", "111", "121", "122", "226", "263", "322"]
TICKET_TEMPLATES = [
    "Customer {name} called about a declined payment; follow up by email at {email}.",
    "{name} asked to update the billing email to {email} before the next statement.",
    "Please send the replacement card confirmation to {email}, requested by {name}.",
    "Follow-up needed: {email} reported a duplicate charge on the last invoice.",
    "Chargeback dispute opened, customer reachable at {email} during business hours.",
]


def luhn_digit(body: str) -> str:
    """The check digit that makes ``body + digit`` pass Luhn."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _card(r: random.Random) -> str:
    prefix = r.choice(["4", "51", "52", "53", "54", "55", "37", "6011"])
    length = 15 if prefix == "37" else 16
    body = prefix + "".join(r.choice("0123456789") for _ in range(length - len(prefix) - 1))
    num = body + luhn_digit(body)
    if r.random() < 0.5 and length == 16:
        return " ".join(num[i:i + 4] for i in range(0, 16, 4))
    return num


def _non_luhn_ref(r: random.Random) -> str:
    while True:
        body = "".join(r.choice("0123456789") for _ in range(15))
        good = luhn_digit(body)
        bad = str((int(good) + r.randint(1, 9)) % 10)
        return body + bad


def _iban(r: random.Random) -> str:
    country, bban_len = r.choice([("DE", 18), ("GB", 18), ("FR", 23), ("NL", 14), ("ES", 20), ("IT", 23)])
    if country == "GB":
        bban = r.choice(["NWBK", "BARC", "HSBC"]) + "".join(r.choice("0123456789") for _ in range(14))
    elif country == "NL":
        bban = r.choice(["ABNA", "INGB", "RABO"]) + "".join(r.choice("0123456789") for _ in range(10))
    elif country == "IT":
        bban = r.choice("ABCDEFGHIJ") + "".join(r.choice("0123456789") for _ in range(22))
    else:
        bban = "".join(r.choice("0123456789") for _ in range(bban_len))
    num = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(num) % 97
    iban = f"{country}{check:02d}{bban}"
    if r.random() < 0.3:
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return iban


def _aba(r: random.Random) -> str:
    while True:
        body = r.choice(ABA_PREFIXES) + "".join(r.choice("0123456789") for _ in range(5))
        d = [int(c) for c in body]
        total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5]
        return body + str((10 - total % 10) % 10)


def _ssn(r: random.Random) -> str:
    area = r.choice([r.randint(1, 665), r.randint(667, 899)])
    return f"{area:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"


def _phone(r: random.Random) -> str:
    style = r.randint(0, 3)
    area = r.choice(["212", "415", "312", "617", "206", "303", "404", "512"])
    line = f"{r.randint(200, 999)}-{r.randint(1000, 9999)}"
    if style == 0:
        return f"({area}) {line}"
    if style == 1:
        return f"{area}-{line}"
    if style == 2:
        return f"+1 {area} {line.replace('-', ' ')}"
    return f"+44 20 7946 {r.randint(0, 999):04d}"


def _email(r: random.Random, first: str, last: str) -> str:
    local = r.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{r.randint(1, 99)}", f"{last}.{first[0]}"])
    local = "".join(ch for ch in local.lower() if ch.isalnum() or ch == ".") or "user"
    return f"{local}@{r.choice(DOMAINS)}"


def _street(r: random.Random) -> str:
    s = f"{r.randint(1, 9999)} {r.choice(STREETS)} {r.choice(STREET_TYPES)}"
    if r.random() < 0.2:
        s += f", Apt {r.randint(1, 40)}"
    return s


def _ip(r: random.Random) -> str:
    if r.random() < 0.15:
        return "2001:db8:" + ":".join(f"{r.randint(0, 65535):x}" for _ in range(3)) + "::" + f"{r.randint(1, 65535):x}"
    return ".".join(str(r.randint(1, 254)) for _ in range(4))


def _dob(r: random.Random) -> date:
    return date(1940, 1, 1) + timedelta(days=r.randint(0, 365 * 60))


def _maybe(r: random.Random, value, null_rate: float):  # type: ignore[no-untyped-def]
    return None if r.random() < null_rate else value


@dataclass
class Table:
    """One generated table and the labels of its columns."""

    name: str
    data: pa.Table
    labels: dict[str, str | None]
    also: dict[str, list[str]] = field(default_factory=dict)


def generate(rows: int = 2000, seed: int = 7) -> list[Table]:
    """Generate every benchmark table (deterministic for a seed)."""
    r = random.Random(seed)
    tables: list[Table] = []

    # 1. customers: semantic names
    firsts = [r.choice(FIRST) for _ in range(rows)]
    lasts = [r.choice(LAST) for _ in range(rows)]
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    customers = pa.table({
        "customer_id": [str(uuid.UUID(int=r.getrandbits(128), version=4)) for _ in range(rows)],
        "first_name": firsts,
        "last_name": lasts,
        "email": [_email(r, f, l) for f, l in zip(firsts, lasts)],
        "phone": [_maybe(r, _phone(r), 0.1) for _ in range(rows)],
        "date_of_birth": pa.array([_dob(r) for _ in range(rows)], pa.date32()),
        "ssn": [_ssn(r) for _ in range(rows)],
        "street": [_street(r) for _ in range(rows)],
        "city": [r.choice(CITIES) for _ in range(rows)],
        "country": [r.choice(COUNTRIES) for _ in range(rows)],
        "signup_date": pa.array([now - timedelta(days=r.randint(0, 2000)) for _ in range(rows)], pa.timestamp("us", tz="UTC")),
        "loyalty_score": [round(r.random() * 100, 2) for _ in range(rows)],
        "status": [r.choice(STATUSES) for _ in range(rows)],
    })
    tables.append(Table("customers", customers, {
        "customer_id": None, "first_name": "PERSON", "last_name": "PERSON", "email": "EMAIL_ADDRESS",
        "phone": "PHONE_NUMBER", "date_of_birth": "DATE_OF_BIRTH", "ssn": "US_SSN", "street": "STREET_ADDRESS",
        "city": "LOCATION", "country": None, "signup_date": None, "loyalty_score": None, "status": None,
    }))

    # 2. payments: financial, semantic names
    payments = pa.table({
        "payment_id": [f"ORD-{2020 + r.randint(0, 6)}-{r.randint(0, 999999):06d}" for _ in range(rows)],
        "card_number": [_card(r) for _ in range(rows)],
        "amount": [round(r.uniform(1, 5000), 2) for _ in range(rows)],
        "currency": [r.choice(CURRENCIES) for _ in range(rows)],
        "merchant_category_code": [r.choice(["5411", "5812", "5999", "4111", "5732", "7011"]) for _ in range(rows)],
        "merchant_id": [f"MRC-{r.randint(10000, 99999)}" for _ in range(rows)],
        "reference": [_non_luhn_ref(r) for _ in range(rows)],
        "created_at": pa.array([now - timedelta(seconds=r.randint(0, 10**8)) for _ in range(rows)], pa.timestamp("us", tz="UTC")),
        "iban": [_iban(r) for _ in range(rows)],
        "routing_number": [_aba(r) for _ in range(rows)],
        "account_number": [str(r.randint(10**9, 10**12)) for _ in range(rows)],
        "swift_bic": [r.choice(BANK_BICS) + (r.choice(["", "XXX", "500"]) if r.random() < 0.5 else "") for _ in range(rows)],
        "client_ip": [_ip(r) for _ in range(rows)],
        "fraud_score": [round(r.random(), 4) for _ in range(rows)],
    })
    tables.append(Table("payments", payments, {
        "payment_id": None, "card_number": "CREDIT_CARD", "amount": None, "currency": None,
        "merchant_category_code": None, "merchant_id": None, "reference": None, "created_at": None,
        "iban": "IBAN_CODE", "routing_number": "ABA_ROUTING_NUMBER", "account_number": "US_BANK_NUMBER",
        "swift_bic": "SWIFT_CODE", "client_ip": "IP_ADDRESS", "fraud_score": None,
    }))

    # 3. opaque column names
    opaque = pa.table({
        "c01": [f"{r.choice(FIRST)} {r.choice(LAST)}" for _ in range(rows)],
        "c02": [_email(r, r.choice(FIRST), r.choice(LAST)) for _ in range(rows)],
        "c03": [_card(r) for _ in range(rows)],
        "c04": [_iban(r) for _ in range(rows)],
        "c05": [_ssn(r) for _ in range(rows)],
        "c06": [_phone(r) for _ in range(rows)],
        "c07": [str(uuid.UUID(int=r.getrandbits(128), version=4)) for _ in range(rows)],
        "c08": [f"{r.uniform(0, 99999):.2f}" for _ in range(rows)],
        "c09": [_non_luhn_ref(r) for _ in range(rows)],
        "c10": [_street(r) for _ in range(rows)],
        "c11": [_ip(r) for _ in range(rows)],
        "c12": [str(r.randint(100000000, 999999999)) for _ in range(rows)],
        "c13": [_aba(r) for _ in range(rows)],
        "c14": [r.randint(300, 850) for _ in range(rows)],
        "c15": [f"{r.choice(CITIES)}" for _ in range(rows)],
    })
    tables.append(Table("opaque", opaque, {
        "c01": "PERSON", "c02": "EMAIL_ADDRESS", "c03": "CREDIT_CARD", "c04": "IBAN_CODE", "c05": "US_SSN",
        "c06": "PHONE_NUMBER", "c07": None, "c08": None, "c09": None, "c10": "STREET_ADDRESS", "c11": "IP_ADDRESS",
        "c12": None, "c13": "ABA_ROUTING_NUMBER", "c14": None, "c15": "LOCATION",
    }))

    # 4. support tickets: free text and mixed columns
    def note() -> str:
        f, l = r.choice(FIRST), r.choice(LAST)
        return r.choice(TICKET_TEMPLATES).format(name=f"{f} {l}", email=_email(r, f, l))

    def contact() -> str:
        return _email(r, r.choice(FIRST), r.choice(LAST)) if r.random() < 0.55 else _phone(r)

    tickets = pa.table({
        "ticket_id": list(range(1, rows + 1)),
        "notes": [_maybe(r, note(), 0.1) for _ in range(rows)],
        "contact": [contact() for _ in range(rows)],
        "product_description": [r.choice(PRODUCTS) for _ in range(rows)],
        "category": [r.choice(CATEGORIES) for _ in range(rows)],
        "priority": [r.choice(["P1", "P2", "P3"]) for _ in range(rows)],
    })
    tables.append(Table("support_tickets", tickets, {
        "ticket_id": None, "notes": "EMAIL_ADDRESS", "contact": "EMAIL_ADDRESS", "product_description": None,
        "category": None, "priority": None,
    }, also={"notes": ["PERSON"], "contact": ["PHONE_NUMBER"]}))

    # 5. sparse: mostly-null columns
    sparse = pa.table({
        "row_id": list(range(rows)),
        "middle_name": [_maybe(r, r.choice(FIRST), 0.8) for _ in range(rows)],
        "secondary_email": [_maybe(r, _email(r, r.choice(FIRST), r.choice(LAST)), 0.7) for _ in range(rows)],
        "fax": pa.array([None] * rows, pa.string()),
        "comment": [_maybe(r, r.choice(["ok", "n/a", "see ticket", "checked"]), 0.9) for _ in range(rows)],
        "mobile_phone": [_maybe(r, _phone(r), 0.6) for _ in range(rows)],
    })
    tables.append(Table("sparse", sparse, {
        "row_id": None, "middle_name": "PERSON", "secondary_email": "EMAIL_ADDRESS", "fax": None,
        "comment": None, "mobile_phone": "PHONE_NUMBER",
    }))
    # 6. crm_export: other formats and header styles (camelCase, abbreviations, E.164, US dates)
    def itin() -> str:
        return f"9{r.randint(0, 99):02d}-{r.choice([r.randint(50, 65), r.randint(70, 88), r.randint(94, 99)])}-{r.randint(0, 9999):04d}"

    def remark() -> str:
        text = f"Call {_phone(r)} before delivery"
        if r.random() < 0.5:
            text += f"; drop at {_street(r)}"
        return text + "."

    crm = pa.table({
        "FullName": [f"{r.choice(LAST)}, {r.choice(FIRST)}" for _ in range(rows)],
        "eMailAddress": [_email(r, r.choice(FIRST), r.choice(LAST)).upper() if r.random() < 0.3 else _email(r, r.choice(FIRST), r.choice(LAST)) for _ in range(rows)],
        "Tel": [f"+1{r.choice(['212', '415', '312', '617'])}{r.randint(200, 999)}{r.randint(1000, 9999)}" for _ in range(rows)],
        "BirthDate": [_dob(r).strftime("%m/%d/%Y") for _ in range(rows)],
        "TaxId": [itin() for _ in range(rows)],
        "AcctNo": [str(r.randint(10**7, 10**14)) for _ in range(rows)],
        "PassportNo": [f"{r.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{r.randint(10**7, 10**8 - 1)}" for _ in range(rows)],
        "DriversLicense": [f"{r.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{r.randint(10**6, 10**7 - 1)}" for _ in range(rows)],
        "Zip": [f"{r.randint(10000, 99999)}" for _ in range(rows)],
        "Sku": [f"SKU-{r.randint(10000, 99999)}-{r.choice('ABCDEFG')}" for _ in range(rows)],
        "Latitude": [f"{r.uniform(-90, 90):.5f}" for _ in range(rows)],
        "BuildVersion": [f"{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 200)}" for _ in range(rows)],
        "CardLast4": [f"{r.randint(0, 9999):04d}" for _ in range(rows)],
        "Remarks": [_maybe(r, remark(), 0.2) for _ in range(rows)],
    })
    tables.append(Table("crm_export", crm, {
        "FullName": "PERSON", "eMailAddress": "EMAIL_ADDRESS", "Tel": "PHONE_NUMBER", "BirthDate": "DATE_OF_BIRTH", "TaxId": "US_ITIN",
        "AcctNo": "US_BANK_NUMBER", "PassportNo": "US_PASSPORT", "DriversLicense": "US_DRIVER_LICENSE", "Zip": None, "Sku": None,
        "Latitude": None, "BuildVersion": None, "CardLast4": None, "Remarks": "PHONE_NUMBER",
    }, also={"Remarks": ["STREET_ADDRESS"]}))
    return tables


NLP_ONLY = frozenset({"PERSON", "LOCATION"})


def write(out_dir: str | Path, *, rows: int = 2000, seed: int = 7) -> list[tuple[Table, str]]:
    """Write every table as a Delta table under ``out_dir`` (delta-rs); returns (table, path)."""
    from deltalake import write_deltalake

    out = []
    for t in generate(rows, seed):
        path = str(Path(out_dir, t.name))
        write_deltalake(path, t.data, mode="overwrite", schema_mode="overwrite")
        out.append((t, path))
    return out


def main() -> None:  # pragma: no cover - command line
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    for t, path in write(a.out_dir, rows=a.rows, seed=a.seed):
        print(f"{path}: {t.data.num_rows} rows, {len(t.labels)} labelled columns")


if __name__ == "__main__":  # pragma: no cover
    main()
