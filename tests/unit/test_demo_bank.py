"""The demo lake generator: valid identifiers where formats have checks, look-alikes that fail them."""

import numpy as np

from governance.demo.bank import DemoSizes, aba_routing_numbers, card_numbers, generate, ibans, non_luhn_references


def _luhn_ok(s: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


def test_card_numbers_pass_luhn_and_references_fail_it() -> None:
    rng = np.random.default_rng(1)
    assert all(_luhn_ok(c) and len(c) == 16 for c in card_numbers(rng, 500))
    assert not any(_luhn_ok(r) for r in non_luhn_references(rng, 500))


def test_ibans_pass_mod97() -> None:
    for iban in ibans(np.random.default_rng(2), 200):
        moved = iban[4:] + iban[:4]
        assert int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def test_aba_routing_numbers_pass_the_checksum() -> None:
    for r in aba_routing_numbers(np.random.default_rng(3), 200):
        d = [int(c) for c in r]
        assert (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def test_sizes_add_up_and_generation_is_deterministic() -> None:
    sizes = DemoSizes.for_total(20_000)
    a, b = generate(total_rows=20_000, seed=5), generate(total_rows=20_000, seed=5)
    assert {k: len(v) for k, v in a.items()} == {
        "customers": sizes.customers, "accounts": sizes.accounts, "cards": sizes.cards,
        "transactions": sizes.transactions, "support_tickets": sizes.support_tickets,
    }
    assert a["transactions"]["txn_id"].equals(b["transactions"]["txn_id"])
    assert a["transactions"]["memo"].isna().mean() > 0.05
    assert a["transactions"]["txn_id"].str.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}").all()
