"""The recognizer registry, filled explicitly from ``conf/recognizers.yaml``.

Built-in recognizers are named in the YAML and looked up in :data:`BUILTIN` (one class per
file under ``classification/recognizers/<domain>/``). Custom pattern recognizers are
declared in the YAML without code. Nothing is discovered implicitly, and Presidio's
predefined recognizers are not loaded (several of them, e.g. UK_NHS, fire on order numbers).
Class names deliberately differ from Presidio's predefined ones: Presidio's YAML loader finds
recognizer classes by name among all subclasses, so a same-named class would shadow its own.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

import regex as re
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from classification.profilers.base import ColumnProfiler
from classification.profilers.birth_dates import BirthDateProfiler
from classification.profilers.card_numbers import CardNumberShapeProfiler
from classification.profilers.cities import CityProfiler
from classification.profilers.national_phones import NationalPhoneProfiler
from classification.profilers.person_names import PersonNameProfiler
from classification.profilers.quasi_identifiers import QuasiIdentifierProfiler
from classification.profilers.street_shapes import StreetShapeProfiler
from classification.recognizers.base import LakewardenPatternRecognizer
from classification.recognizers.contact.email_address import EmailAddressRecognizer
from classification.recognizers.contact.intl_street_address import InternationalStreetAddressRecognizer
from classification.recognizers.contact.ip_address import IpAddressRecognizer
from classification.recognizers.contact.phone_number import PhoneNumberRecognizer
from classification.recognizers.contact.street_address import StreetAddressRecognizer
from classification.recognizers.financial.aba_routing_number import AbaRoutingNumberRecognizer
from classification.recognizers.financial.credit_card import PaymentCardRecognizer
from classification.recognizers.financial.iban_code import IbanCodeRecognizer
from classification.recognizers.financial.swift_code import SwiftCodeRecognizer
from classification.recognizers.financial.us_bank_number import UsBankNumberRecognizer
from classification.recognizers.identity.date_of_birth import DateOfBirthRecognizer
from classification.recognizers.identity.us_driver_license import UsDriverLicenseRecognizer
from classification.recognizers.identity.us_itin import UsItinNumberRecognizer
from classification.recognizers.identity.us_passport import UsPassportNumberRecognizer
from classification.recognizers.identity.us_ssn import UsSocialSecurityNumberRecognizer
from classification.recognizers.validators import aba_ok, iban_mod97_ok, luhn_ok
from governance.errors import ConfigError
from governance.yamlconf import load_model

#: Every built-in recognizer, by the name used in ``conf/recognizers.yaml``.
BUILTIN: dict[str, type[LakewardenPatternRecognizer]] = {
    "aba_routing_number": AbaRoutingNumberRecognizer,
    "swift_code": SwiftCodeRecognizer,
    "us_bank_number": UsBankNumberRecognizer,
    "credit_card": PaymentCardRecognizer,
    "iban_code": IbanCodeRecognizer,
    "us_ssn": UsSocialSecurityNumberRecognizer,
    "us_itin": UsItinNumberRecognizer,
    "date_of_birth": DateOfBirthRecognizer,
    "us_passport": UsPassportNumberRecognizer,
    "us_driver_license": UsDriverLicenseRecognizer,
    "email_address": EmailAddressRecognizer,
    "phone_number": PhoneNumberRecognizer,
    "ip_address": IpAddressRecognizer,
    "street_address": StreetAddressRecognizer,
    "intl_street_address": InternationalStreetAddressRecognizer,
}

#: Entities the spaCy model can provide (through Presidio's SpacyRecognizer).
NLP_ENTITIES = ("PERSON", "LOCATION")

_VALIDATORS = {
    "luhn": lambda s: luhn_ok("".join(ch for ch in s if ch.isdigit())),
    "mod97": iban_mod97_ok,
    "aba": lambda s: aba_ok("".join(ch for ch in s if ch.isdigit())),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatternSpec(_Strict):
    """One regular expression of a custom recognizer."""

    name: str
    regex: str
    score: float = Field(ge=0, le=1)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"regex does not compile: {exc}") from None
        return v


class CustomRecognizerSpec(_Strict):
    """A pattern recognizer declared in YAML, without code."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    entity: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    patterns: list[PatternSpec] = Field(min_length=1)
    context: list[str] = []
    #: Check applied to every match; a failing match is dropped.
    validator: Literal["none", "luhn", "mod97", "aba"] = "none"
    case_sensitive: bool = False


class NlpSpec(_Strict):
    """Which entities the NLP model (when the ``spacy_small`` tier is on) contributes."""

    entities: list[Literal["PERSON", "LOCATION"]] = ["PERSON", "LOCATION"]
    #: Score Presidio gives spaCy entities.
    score: float = Field(default=0.85, gt=0, le=1)


class PersonNamesSpec(_Strict):
    """``profilers.person_names``: PERSON from the names-dataset dictionary (105 countries)."""

    enabled: bool = True
    max_rank: int = Field(default=30000, ge=100, le=30000)
    min_share: float = Field(default=0.7, gt=0, le=1)
    hinted_min_share: float = Field(default=0.4, gt=0, le=1)
    min_distinct: int = Field(default=30, ge=1)
    max_place_share: float = Field(default=0.3, ge=0, le=1)


class NationalPhonesSpec(_Strict):
    """``profilers.national_phones``: national-format numbers validated in the row's country."""

    enabled: bool = True
    #: Regions tried after the row's own country (ISO 3166-1 alpha-2, e.g. ``[GB, DE]``).
    default_regions: list[str] = []
    min_share: float = Field(default=0.6, gt=0, le=1)

    @field_validator("default_regions")
    @classmethod
    def _regions(cls, v: list[str]) -> list[str]:
        import phonenumbers

        bad = [r for r in v if r not in phonenumbers.SUPPORTED_REGIONS]
        if bad:
            raise ValueError(f"unknown region(s) {bad}; give ISO 3166-1 alpha-2 codes such as GB, DE, PT")
        return v


class BirthDatesSpec(_Strict):
    """``profilers.birth_dates``: DATE_OF_BIRTH from the spread of a date column."""

    enabled: bool = True
    min_age: int = Field(default=16, ge=0, le=120)
    max_age: int = Field(default=110, ge=1, le=150)
    min_share: float = Field(default=0.8, gt=0, le=1)
    min_spread_years: int = Field(default=12, ge=0)


class QuasiIdentifiersSpec(_Strict):
    """``profilers.quasi_identifiers``: country, state, gender, postcode, birth year, occupation."""

    enabled: bool = True
    min_share: float = Field(default=0.8, gt=0, le=1)


class CitiesSpec(_Strict):
    """``profilers.cities``: LOCATION from the names of towns of 5,000 people or more (GeoNames)."""

    enabled: bool = True
    min_share: float = Field(default=0.6, gt=0, le=1)
    hinted_min_share: float = Field(default=0.3, gt=0, le=1)
    min_distinct: int = Field(default=20, ge=1)
    shape_min_town_share: float = Field(default=0.25, gt=0, le=1)
    shape_min_distinct_share: float = Field(default=0.6, gt=0, le=1)


class CardNumbersSpec(_Strict):
    """``profilers.card_numbers``: CREDIT_CARD by shape (spreadsheet-mangled numbers): under a card column name, or with
    most whole numbers passing Luhn."""

    enabled: bool = True
    min_share: float = Field(default=0.8, gt=0, le=1)
    min_luhn_share: float = Field(default=0.4, gt=0, le=1)
    min_luhn_values: int = Field(default=20, ge=1)


class StreetShapesSpec(_Strict):
    """``profilers.street_shapes``: STREET_ADDRESS by shape under an address column name (streets without a type word)."""

    enabled: bool = True
    min_share: float = Field(default=0.7, gt=0, le=1)


class ProfilersSpec(_Strict):
    """Column profilers (``classification/profilers``): evidence only a whole column gives."""

    person_names: PersonNamesSpec = PersonNamesSpec()
    cities: CitiesSpec = CitiesSpec()
    card_numbers: CardNumbersSpec = CardNumbersSpec()
    street_shapes: StreetShapesSpec = StreetShapesSpec()
    national_phones: NationalPhonesSpec = NationalPhonesSpec()
    birth_dates: BirthDatesSpec = BirthDatesSpec()
    quasi_identifiers: QuasiIdentifiersSpec = QuasiIdentifiersSpec()


class RecognizerConfig(_Strict):
    """Contents of ``conf/recognizers.yaml``."""

    builtin: list[str] = list(BUILTIN)
    nlp: NlpSpec = NlpSpec()
    custom: list[CustomRecognizerSpec] = []
    profilers: ProfilersSpec = ProfilersSpec()

    @field_validator("builtin")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [n for n in v if n not in BUILTIN]
        if unknown:
            raise ValueError(f"unknown built-in recognizer(s) {unknown}; valid choices: {sorted(BUILTIN)}")
        if len(set(v)) != len(v):
            raise ValueError("a built-in recognizer is listed twice")
        return v

    @model_validator(mode="after")
    def _unique_names(self) -> "RecognizerConfig":
        names = [c.name for c in self.custom]
        clash = sorted({n for n in names if names.count(n) > 1 or n in BUILTIN})
        if clash:
            raise ValueError(f"custom recognizer name(s) {clash} repeat or shadow a built-in")
        return self

    def fingerprint(self) -> str:
        """A short hash of the recognizer set; a change re-evaluates unreviewed columns."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True) + "|v2"
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load_recognizer_config(path: str | Path) -> RecognizerConfig:
    """Read ``conf/recognizers.yaml``.

    Raises:
        ConfigError: Missing file, bad YAML, unknown recognizer, bad regex (with file:line).
    """
    return load_model(RecognizerConfig, path)


def _custom_class(spec: CustomRecognizerSpec) -> type[LakewardenPatternRecognizer]:
    check = _VALIDATORS.get(spec.validator)

    def validate_result(self, pattern_text: str) -> bool | None:  # type: ignore[no-untyped-def]
        if check is None:
            return None
        return bool(check(pattern_text))

    attrs = {
        "ENTITY": spec.entity,
        "PATTERNS": [(p.name, p.regex, p.score) for p in spec.patterns],
        "CONTEXT": list(spec.context),
        "FLAGS": (re.DOTALL | re.MULTILINE) if spec.case_sensitive else (re.DOTALL | re.MULTILINE | re.IGNORECASE),
        "validate_result": validate_result,
        "__doc__": f"Custom recognizer {spec.name!r} from conf/recognizers.yaml.",
    }
    cls_name = "Custom" + "".join(part.capitalize() for part in spec.name.split("_")) + "Recognizer"
    return type(cls_name, (LakewardenPatternRecognizer,), attrs)


def build_pattern_recognizers(config: RecognizerConfig) -> list[LakewardenPatternRecognizer]:
    """Instantiate every pattern recognizer the config names, built-ins first, then custom ones."""
    out: list[LakewardenPatternRecognizer] = [BUILTIN[name]() for name in config.builtin]
    for spec in config.custom:
        try:
            out.append(_custom_class(spec)())
        except Exception as exc:  # noqa: BLE001 - Presidio may reject a pattern
            raise ConfigError(f"custom recognizer {spec.name!r}: cannot be built: {exc}") from None
    return out


def build_profilers(config: RecognizerConfig) -> list[ColumnProfiler]:
    """Instantiate the enabled column profilers, in a fixed order."""
    p = config.profilers
    out: list[ColumnProfiler] = []
    if p.quasi_identifiers.enabled:
        out.append(QuasiIdentifierProfiler(min_share=p.quasi_identifiers.min_share))
    if p.person_names.enabled:
        out.append(PersonNameProfiler(max_rank=p.person_names.max_rank, min_share=p.person_names.min_share,
                                      hinted_min_share=p.person_names.hinted_min_share, min_distinct=p.person_names.min_distinct,
                                      max_place_share=p.person_names.max_place_share))
    if p.cities.enabled:
        out.append(CityProfiler(min_share=p.cities.min_share, hinted_min_share=p.cities.hinted_min_share,
                                min_distinct=p.cities.min_distinct, shape_min_town_share=p.cities.shape_min_town_share,
                                shape_min_distinct_share=p.cities.shape_min_distinct_share))
    if p.card_numbers.enabled:
        out.append(CardNumberShapeProfiler(
            min_share=p.card_numbers.min_share, min_luhn_share=p.card_numbers.min_luhn_share,
            min_luhn_values=p.card_numbers.min_luhn_values))
    if p.street_shapes.enabled:
        out.append(StreetShapeProfiler(min_share=p.street_shapes.min_share))
    if p.national_phones.enabled:
        out.append(NationalPhoneProfiler(default_regions=tuple(p.national_phones.default_regions), min_share=p.national_phones.min_share))
    if p.birth_dates.enabled:
        out.append(BirthDateProfiler(min_age=p.birth_dates.min_age, max_age=p.birth_dates.max_age, min_share=p.birth_dates.min_share,
                                     min_spread_years=p.birth_dates.min_spread_years))
    return out
