"""US_BANK_NUMBER: US bank account numbers (8-17 digits); meaningless without context."""

from __future__ import annotations

from classification.recognizers.base import LakewardenPatternRecognizer, digits_only
from classification.recognizers.validators import all_same


class UsBankNumberRecognizer(LakewardenPatternRecognizer):
    """8 to 17 digits. The pattern alone is weak (order numbers look the same); context words such as
    ``account`` in the column name or the text make it a finding."""

    ENTITY = "US_BANK_NUMBER"
    PATTERNS = [("bank account (weak)", r"\b\d{8,17}\b", 0.05)]
    CONTEXT = ["account", "acct", "bank", "checking", "savings", "deposit", "iban_us", "account_number", "acc"]

    def invalidate_result(self, pattern_text: str) -> bool | None:  # noqa: D102
        return all_same(digits_only(pattern_text))
