"""Generate a realistic synthetic retail-bank lake as real Delta tables.

Tables (shares of ``total_rows``): ``customers`` (5%), ``accounts`` (8%), ``cards`` (6%),
``transactions`` (80%, partitioned by ``txn_month``, free-text memos), ``support_tickets``
(1%, free text with names, e-mails and phone numbers). Every identifier is synthetic but
valid where the format has a check (Luhn card numbers, IBAN mod-97, ABA routing checksums),
and the non-personal look-alikes a classifier must leave alone are there too: UUIDs,
order numbers, amounts, merchant category codes, risk scores and 16-digit references
that fail Luhn.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

FIRST = ("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph "
         "Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra "
         "Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa "
         "George Deborah Timothy Stephanie Ronald Rebecca Edward Sharon Jason Laura Jeffrey Cynthia Ryan Kathleen").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
        "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
        "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall "
        "Rivera Campbell Mitchell Carter Roberts").split()
CITIES = [("Springfield", "IL"), ("Portland", "OR"), ("Austin", "TX"), ("Columbus", "OH"), ("Denver", "CO"),
          ("Madison", "WI"), ("Raleigh", "NC"), ("Tampa", "FL"), ("Boise", "ID"), ("Albany", "NY"),
          ("Richmond", "VA"), ("Phoenix", "AZ"), ("Seattle", "WA"), ("Omaha", "NE"), ("Boston", "MA")]
STREETS = ("Main St,Oak Ave,Maple Dr,Cedar Ln,Pine St,Elm St,Washington Blvd,Lake Rd,Hill St,Park Ave,"
           "Sunset Blvd,River Rd,Church St,Highland Ave,Mill Rd").split(",")
MERCHANTS = [("5411", "FreshMart Grocery"), ("5812", "Bella Italia"), ("5541", "QuickFuel"), ("4111", "Metro Transit"),
             ("5732", "ElectroWorld"), ("5912", "CarePlus Pharmacy"), ("4899", "StreamFlix"), ("5651", "Urban Threads"),
             ("7011", "Harbor Hotel"), ("5999", "Corner Store"), ("4814", "TelcoOne"), ("6011", "ATM Withdrawal")]
ABA_PREFIXES = ["0210", "0260", "0110", "0711", "1210", "0612", "0430", "0910"]
BICS = ["CHASUS33", "BOFAUS3N", "CITIUS33", "WFBIUS6S", "DEUTDEFF", "BARCGB22", "HSBCGB2L", "BNPAFRPP"]

MEMO_TEMPLATES = [
    "Payment to {merchant}",
    "Card purchase {merchant} #{order}",
    "Transfer to {first} {last}",
    "Rent for {month} - {first} {last}",
    "Refund order {order}",
    "Salary {month}",
    "Reimbursement, questions call {phone}",
    "Gift for {first}",
    "Standing order ref {order}",
    "Invoice {order} paid",
]
NOTE_TEMPLATES = [
    "Prefers contact by email",
    "VIP customer, call {phone} before any card block",
    "Asked for paper statements",
    "{first} travels often; do not flag foreign transactions",
    "Complained about fees in branch",
]
TICKET_TEMPLATES = [
    "Hi, my name is {first} {last}. My card ending {last4} was charged twice at {merchant}. Please call me on {phone}.",
    "Please update my email to {email}. Thanks, {first}",
    "I moved to {street}, {city} {state}. Can you send the new card there? {first} {last}",
    "Login from {ip} was not me! Lock my account please. Contact {email}.",
    "Why was my transfer to {first} {last} declined? Reference {order}.",
    "Dispute transaction {order} at {merchant}, amount {amount} USD.",
]


@dataclass(frozen=True)
class DemoSizes:
    """Row counts per table."""

    customers: int
    accounts: int
    cards: int
    transactions: int
    support_tickets: int

    @classmethod
    def for_total(cls, total_rows: int) -> "DemoSizes":
        """Split ``total_rows`` across the tables in realistic proportions."""
        t = max(total_rows, 1000)
        return cls(
            customers=max(100, t * 5 // 100),
            accounts=max(160, t * 8 // 100),
            cards=max(120, t * 6 // 100),
            transactions=max(600, t * 80 // 100),
            support_tickets=max(20, t // 100),
        )

    @property
    def total(self) -> int:
        """All rows."""
        return self.customers + self.accounts + self.cards + self.transactions + self.support_tickets


def _luhn_complete(partial: np.ndarray) -> np.ndarray:
    """Append a Luhn check digit to each row of a (n, k) digit array."""
    digits = partial.copy()
    k = digits.shape[1]
    weights = np.where((np.arange(k)[::-1] % 2) == 0, 2, 1)
    prod = digits * weights
    prod = np.where(prod > 9, prod - 9, prod)
    check = (10 - prod.sum(axis=1) % 10) % 10
    return np.concatenate([digits, check[:, None]], axis=1)


def _digits_to_str(d: np.ndarray) -> np.ndarray:
    return np.array(["".join(map(str, row)) for row in d])


def card_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Luhn-valid 16-digit Visa/Mastercard numbers."""
    prefix = rng.choice([4, 5], size=n)
    body = rng.integers(0, 10, size=(n, 14))
    return _digits_to_str(_luhn_complete(np.concatenate([prefix[:, None], body], axis=1)))


def non_luhn_references(rng: np.random.Generator, n: int) -> np.ndarray:
    """16-digit references that fail the Luhn check (not card numbers)."""
    valid = _luhn_complete(rng.integers(1, 10, size=(n, 15)))
    valid[:, -1] = (valid[:, -1] + rng.integers(1, 10, size=n)) % 10
    return _digits_to_str(valid)


def aba_routing_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """ABA routing numbers with a valid checksum (3-7-1 weights)."""
    prefixes = rng.choice(ABA_PREFIXES, size=n)
    out = []
    for p, mid in zip(prefixes, rng.integers(0, 10, size=(n, 4))):
        d = [int(c) for c in p] + list(mid)
        s = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
        d.append((10 - s % 10) % 10)
        out.append("".join(map(str, d)))
    return np.array(out)


def ibans(rng: np.random.Generator, n: int) -> np.ndarray:
    """Valid German IBANs (DE + mod-97 check digits + 18-digit BBAN)."""
    out = []
    for bban in rng.integers(0, 10, size=(n, 18)):
        b = "".join(map(str, bban))
        num = int(b + "131400")  # D=13 E=14 then "00"
        check = 98 - num % 97
        out.append(f"DE{check:02d}{b}")
    return np.array(out)


def ssns(rng: np.random.Generator, n: int) -> np.ndarray:
    """SSN-shaped numbers in valid ranges (area 001-665/667-899, group and serial non-zero)."""
    area = rng.integers(1, 899, size=n)
    area = np.where(area == 666, 667, area)
    group = rng.integers(1, 100, size=n)
    serial = rng.integers(1, 10000, size=n)
    return np.array([f"{a:03d}-{g:02d}-{s:04d}" for a, g, s in zip(area, group, serial)])


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """US phone numbers in a mix of common formats."""
    area = rng.integers(201, 990, size=n)
    ex = rng.integers(200, 999, size=n)
    line = rng.integers(0, 10000, size=n)
    fmt = rng.integers(0, 3, size=n)
    return np.array(
        [
            f"({a}) {e}-{li:04d}" if f == 0 else (f"{a}-{e}-{li:04d}" if f == 1 else f"+1 {a} {e} {li:04d}")
            for a, e, li, f in zip(area, ex, line, fmt)
        ]
    )


def _ipv4(rng: np.random.Generator, n: int) -> np.ndarray:
    o = rng.integers(1, 255, size=(n, 4))
    return np.array([".".join(map(str, r)) for r in o])


def _with_nulls(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    out = values.astype(object)
    out[rng.random(len(values)) < share] = None
    return out


def customers_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """The ``customers`` table."""
    first = rng.choice(FIRST, size=n)
    last = rng.choice(LAST, size=n)
    city_idx = rng.integers(0, len(CITIES), size=n)
    dob = pd.to_datetime("1940-01-01") + pd.to_timedelta(rng.integers(0, 365 * 65, size=n), unit="D")
    created = pd.Timestamp("2015-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 3600 * 24 * 365 * 10, size=n), unit="s")
    emails = [f"{f.lower()}.{la.lower()}{i % 997}@{d}" for i, (f, la, d) in enumerate(zip(first, last, rng.choice(["example.com", "mail.test", "inbox.example.org"], size=n)))]
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1, dtype=np.int64),
            "first_name": first,
            "last_name": last,
            "email": emails,
            "phone": _with_nulls(rng, phones(rng, n), 0.1),
            "date_of_birth": dob.date,
            "ssn": ssns(rng, n),
            "street_address": [f"{num} {s}" for num, s in zip(rng.integers(1, 9999, size=n), rng.choice(STREETS, size=n))],
            "city": [CITIES[i][0] for i in city_idx],
            "state": [CITIES[i][1] for i in city_idx],
            "postcode": [f"{z:05d}" for z in rng.integers(1000, 99950, size=n)],
            "risk_score": np.round(rng.random(n) * 1000, 1),
            "created_at": created,
            "notes": _with_nulls(rng, _fill(NOTE_TEMPLATES, rng, n, {"phone": phones(rng, n), "first": first}), 0.6),
        }
    )


def accounts_frame(rng: np.random.Generator, n: int, n_customers: int) -> pd.DataFrame:
    """The ``accounts`` table."""
    return pd.DataFrame(
        {
            "account_id": np.arange(100001, 100001 + n, dtype=np.int64),
            "customer_id": rng.integers(1, n_customers + 1, size=n).astype(np.int64),
            "iban": ibans(rng, n),
            "account_number": [f"{x:010d}" for x in rng.integers(10**8, 10**10 - 1, size=n)],
            "routing_number": aba_routing_numbers(rng, n),
            "bic": rng.choice(BICS, size=n),
            "product": rng.choice(["checking", "savings", "credit", "mortgage"], size=n),
            "balance": np.round(rng.normal(5000, 8000, size=n), 2),
            "currency": rng.choice(["USD", "EUR", "GBP"], size=n, p=[0.8, 0.15, 0.05]),
            "opened_on": (pd.to_datetime("2012-01-01") + pd.to_timedelta(rng.integers(0, 4000, size=n), unit="D")).date,
        }
    )


def cards_frame(rng: np.random.Generator, n: int, accounts: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """The ``cards`` table."""
    acc_idx = rng.integers(0, len(accounts), size=n)
    cust = accounts["customer_id"].to_numpy()[acc_idx]
    names = (customers["first_name"] + " " + customers["last_name"]).to_numpy()[cust - 1]
    return pd.DataFrame(
        {
            "card_id": [f"crd_{x:08x}" for x in rng.integers(0, 2**32, size=n)],
            "account_id": accounts["account_id"].to_numpy()[acc_idx],
            "card_number": card_numbers(rng, n),
            "cardholder_name": [s.upper() for s in names],
            "expiry": [f"{m:02d}/{y}" for m, y in zip(rng.integers(1, 13, size=n), rng.integers(27, 32, size=n))],
            "status": rng.choice(["active", "blocked", "expired"], size=n, p=[0.85, 0.05, 0.1]),
        }
    )


def _fill(templates: list[str], rng: np.random.Generator, n: int, extra: dict[str, np.ndarray]) -> np.ndarray:
    """Fill one randomly chosen template per row, vectorized per template."""
    which = rng.integers(0, len(templates), size=n)
    out = np.empty(n, dtype=object)
    for w, template in enumerate(templates):
        idx = np.flatnonzero(which == w)
        if not len(idx):
            continue
        acc = np.full(len(idx), "", dtype=object)
        for literal, name, _, _ in string.Formatter().parse(template):
            acc = acc + literal
            if name:
                acc = acc + extra[name][idx].astype(str).astype(object)
        out[idx] = acc
    return out


def _uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random version-4-shaped UUID strings, built without a Python loop."""
    hexed = np.frombuffer(rng.bytes(16 * n).hex().encode("ascii"), dtype="S1").reshape(n, 32).copy()
    hexed[:, 12] = b"4"
    dash = np.full((n, 1), b"-", dtype="S1")
    parts = [hexed[:, :8], dash, hexed[:, 8:12], dash, hexed[:, 12:16], dash, hexed[:, 16:20], dash, hexed[:, 20:]]
    return np.ascontiguousarray(np.concatenate(parts, axis=1)).view("S36").ravel().astype(str)


def transactions_frame(rng: np.random.Generator, n: int, accounts: pd.DataFrame) -> pd.DataFrame:
    """The ``transactions`` table (partitioned by ``txn_month``)."""
    m_idx = rng.integers(0, len(MERCHANTS), size=n)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    ts = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, 3600 * 24 * 700, size=n)), unit="s")
    uuids = _uuids(rng, n)
    extra = {
        "merchant": np.array([MERCHANTS[i][1] for i in m_idx]),
        "order": np.array([str(x) for x in rng.integers(100000, 9999999, size=n)]),
        "first": rng.choice(FIRST, size=n),
        "last": rng.choice(LAST, size=n),
        "month": pd.DatetimeIndex(ts).strftime("%B").to_numpy(),
        "phone": phones(rng, n) if n <= 200_000 else np.resize(phones(rng, 200_000), n),
    }
    memo = _fill(MEMO_TEMPLATES, rng, n, extra)
    memo[rng.random(n) < 0.15] = None
    return pd.DataFrame(
        {
            "txn_id": uuids,
            "account_id": accounts["account_id"].to_numpy()[rng.integers(0, len(accounts), size=n)],
            "ts": ts,
            "amount": np.round(rng.lognormal(3.2, 1.1, size=n) * np.where(rng.random(n) < 0.1, -1, 1), 2),
            "merchant_code": np.array([MERCHANTS[i][0] for i in m_idx]),
            "merchant_name": extra["merchant"],
            "memo": memo,
            "reference": non_luhn_references(rng, n) if n <= 200_000 else np.resize(non_luhn_references(rng, 200_000), n),
            "txn_month": pd.DatetimeIndex(ts).strftime("%Y-%m").to_numpy(),
        }
    )


def tickets_frame(rng: np.random.Generator, n: int, customers: pd.DataFrame) -> pd.DataFrame:
    """The ``support_tickets`` table."""
    cust = rng.integers(0, len(customers), size=n)
    c = customers.iloc[cust]
    city_idx = rng.integers(0, len(CITIES), size=n)
    extra = {
        "first": c["first_name"].to_numpy(),
        "last": c["last_name"].to_numpy(),
        "email": c["email"].to_numpy(),
        "phone": phones(rng, n),
        "last4": np.array([f"{x:04d}" for x in rng.integers(0, 10000, size=n)]),
        "merchant": rng.choice([m[1] for m in MERCHANTS], size=n),
        "street": np.array([f"{num} {s}" for num, s in zip(rng.integers(1, 9999, size=n), rng.choice(STREETS, size=n))]),
        "city": np.array([CITIES[i][0] for i in city_idx]),
        "state": np.array([CITIES[i][1] for i in city_idx]),
        "ip": _ipv4(rng, n),
        "order": np.array([str(x) for x in rng.integers(100000, 9999999, size=n)]),
        "amount": np.array([f"{x:.2f}" for x in rng.lognormal(4, 1, size=n)]),
    }
    return pd.DataFrame(
        {
            "ticket_id": np.arange(1, n + 1, dtype=np.int64),
            "customer_id": c["customer_id"].to_numpy(),
            "opened_at": pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 3600 * 24 * 700, size=n), unit="s"),
            "channel": rng.choice(["email", "chat", "phone", "branch"], size=n),
            "body": _fill(TICKET_TEMPLATES, rng, n, extra),
            "client_ip": _ipv4(rng, n),
        }
    )


def generate(*, total_rows: int = 1_000_000, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Generate every table of the demo lake as pandas frames (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    sizes = DemoSizes.for_total(total_rows)
    customers = customers_frame(rng, sizes.customers)
    accounts = accounts_frame(rng, sizes.accounts, sizes.customers)
    return {
        "customers": customers,
        "accounts": accounts,
        "cards": cards_frame(rng, sizes.cards, accounts, customers),
        "transactions": transactions_frame(rng, sizes.transactions, accounts),
        "support_tickets": tickets_frame(rng, sizes.support_tickets, customers),
    }


PARTITIONS: dict[str, list[str]] = {"transactions": ["txn_month"]}

_ = (string, date, timedelta)
