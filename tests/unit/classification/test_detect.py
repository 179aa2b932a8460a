from classification.detect import MAX_SCAN_CHARS, name_tokens, redact, scan_values
from classification.engine import get_engine
from classification.registry import RecognizerConfig

ENGINE = get_engine(RecognizerConfig(), nlp="no_op")


def test_name_tokens_split_snake_camel_and_joined() -> None:
    toks = name_tokens("customerEmail_address")
    assert {"customer", "email", "address", "customeremailaddress"} <= toks
    assert "date_of_birth" in name_tokens("date_of_birth")


def test_redaction_keeps_no_character_of_the_value() -> None:
    value = "Call Jane at jane@example.com, card 4111"
    out = redact(value, [(13, 29, "EMAIL_ADDRESS")])
    assert "<EMAIL_ADDRESS>" in out
    for secret in ("Jane", "jane", "example", "4111", "Call"):
        assert secret not in out


def test_nulls_and_duplicates_are_counted_not_scanned() -> None:
    ev = scan_values(ENGINE, "email", ["a@example.com", None, "a@example.com", None, "b@example.com"], sample_values=100, min_share=0.5)
    assert (ev.rows, ev.nulls, ev.values_checked) == (5, 2, 2)
    assert ev.entity_cells == {"EMAIL_ADDRESS": 2}


def test_huge_values_are_cut_and_noted() -> None:
    big = "x" * (MAX_SCAN_CHARS * 3) + " jane@example.com"
    ev = scan_values(ENGINE, "blob", [big], sample_values=10, min_share=0.5)
    assert ev.truncated_values == 1 and ev.values_checked == 1


def test_stable_column_stops_early() -> None:
    values = [f"user{i}@example.com" for i in range(2000)]
    ev = scan_values(ENGINE, "c", values, sample_values=1000, min_share=0.5)
    assert ev.stopped_early and ev.values_checked < 1000


def test_full_mode_counts_cells_exactly() -> None:
    ev = scan_values(ENGINE, "c", ["a@example.com", "n/a", None], sample_values=None, min_share=0.5, counts=[7, 3, 2])
    assert ev.full and ev.cells_checked == 10 and ev.entity_cells == {"EMAIL_ADDRESS": 7} and ev.nulls == 2


def test_code_fragments_do_not_count_as_entities() -> None:
    # a phone-like run inside a longer code is not the cell's content
    ev = scan_values(ENGINE, "ref", ["ZX-212-555-0147-QQ-0009-7781-AB"], sample_values=10, min_share=0.5)
    assert "PHONE_NUMBER" not in ev.entity_cells


def test_legal_forms_before_or_after_the_name_mark_an_organisation() -> None:
    from classification.detect import is_organisation

    for v in ("Arion banki hf.", "Össur ehf", "Equinor ASA", "Krka d.d.", "Gorenje d.o.o.", "ООО «Ромашка»",
              "АО Тинькофф Банк", "Noelia Coll S.L.", "Zagrebačka banka"):
        assert is_organisation(v), v


def test_people_streets_and_prose_are_not_organisations() -> None:
    from classification.detect import is_organisation

    for v in ("Jan Novák", "Lucas Thomas", "Rue de la Paix 12", "Called Maria about the loan", "Google ad", "Ooo, nice"):
        assert not is_organisation(v), v


def test_a_name_inside_a_street_address_is_not_a_person() -> None:
    # "603 Robert Hill": the English street recognizer covers the name, so the dictionaries' PERSON span is dropped
    engine = get_engine(RecognizerConfig(), nlp="no_op")
    streets = [f"{n} {first} {last} Street, Port Alecshire, BC L6P 3B8" for n, (first, last) in
               enumerate([("Robert", "Hill"), ("Anna", "Smith"), ("John", "Miller"), ("Maria", "Lopez")], start=101)]
    prose = [f"Transfer to {first} {last} for the rent, thanks" for first, last in [("Robert", "Hill"), ("Anna", "Smith")]]
    ev = scan_values(engine, "k7", streets, sample_values=100, min_share=0.5)
    assert ev.entity_cells.get("STREET_ADDRESS") == 4
    assert "PERSON" not in ev.entity_cells
    if engine.name_checker is not None:  # the same names in prose are people
        assert scan_values(engine, "memo", prose, sample_values=100, min_share=0.5).entity_cells.get("PERSON") == 2


def test_legal_forms_of_more_countries_and_upper_case_only_forms() -> None:
    from classification.detect import is_organisation

    for v in ("Urban OG", "Preda SCA", "Bakken BA", "Sampaio - ME", "Mäkelä Seppälä Tmi", "Pohl e.G.", "Tağızadə MMC",
              "Καρακώστα Α.Ε.", "Grupa Katana", "(주) 마루", "Никитина Лтд", "Sánchez Sociedad Anónima"):
        assert is_organisation(v), v
    # surnames that equal a legal form written without its dots, and lower-case words
    for v in ("Daphne Vos", "Erik Ek", "Anna Ba", "Tran Van Ky", "the sem"):
        assert not is_organisation(v), v


def test_a_column_only_the_profilers_can_judge_is_scanned_past_the_first_values() -> None:
    from classification.detect import UNSETTLED_VALUES_BEFORE_STOP

    # bare digit runs (telephone numbers with their country code): no recognizer is strong on them
    prefixes = ["35121", "42060", "491511", "447911", "336", "48501", "3222", "390612", "46701", "358401"]
    phones = [f"{prefixes[i % 10]}{1000000 + i * 7919 % 8999999}"[:12 - i % 3] for i in range(1000)]
    ev = scan_values(ENGINE, "q04", phones, sample_values=1000, min_share=0.5)
    assert ev.values_checked >= UNSETTLED_VALUES_BEFORE_STOP
    emails = [f"user{i}@example.com" for i in range(1000)]  # a strong entity settles the column early
    assert scan_values(ENGINE, "q05", emails, sample_values=1000, min_share=0.5).values_checked < UNSETTLED_VALUES_BEFORE_STOP


def test_free_text_does_not_stop_early_near_its_listing_share() -> None:
    words = ["invoice", "sent", "again", "after", "the", "call", "about", "delivery", "dates", "and", "fees"]
    notes = [" ".join(words[(i + k) % 11] for k in range(6)) + f" {i}" for i in range(1000)]
    near = [f"{n} - Paid to Jana Nováková" if i % 20 == 0 else n for i, n in enumerate(notes)]  # 5% of rows name someone
    ev = scan_values(ENGINE, "remarks", near, sample_values=1000, min_share=0.5)
    assert ev.values_checked == 1000 and not ev.stopped_early
    plain = scan_values(ENGINE, "remarks", notes, sample_values=1000, min_share=0.5)
    assert plain.stopped_early and plain.values_checked < 1000
