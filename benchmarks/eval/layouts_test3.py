"""Table layouts of the held-out split ``test3``.

These layouts (table names, column names, column order, null rates) were written apart from the
tuning work, without reading the classifier's vocabulary (nothing under ``classification/`` or
``conf/`` was looked at): only the kind names of the three sources' ``KINDS`` dicts and the layouts
of the other splits (so as not to repeat any of their column names) were read.

Each table mixes three styles of column name, roughly a third each: opaque generic fields (a
pattern of its own per table), English worded the way real systems abbreviate it, and the table's
local language (Danish for the Faker one-locale table, Turkish for the Mimesis one; for the mixed
tables, languages of the split's locales).

Read by ``faker_source``, ``mimesis_source`` and ``messy_source`` for ``split == "test3"``.
"""

from __future__ import annotations

Layout = list[tuple[str, str, float]]

# Faker, one locale (da_DK): a bank's customer register with the last statement.
FAKER_LOCAL: tuple[str, str, Layout] = ("faker_dk_kundekartotek", "da_DK", [
    ("OprettetTid", "created_at", 0.0),
    ("rx02", "row_number", 0.0),
    ("Fornavn", "first_name", 0.0),
    ("holder_surname", "last_name", 0.0),
    ("rx05", "maiden_name", 0.4),
    ("Koen", "gender", 0.0),
    ("birth_dt", "dob_date", 0.0),
    ("rx08", "birth_year", 0.0),
    ("Bopael", "street", 0.0),
    ("rx10", "postcode", 0.0),
    ("res_city_name", "city", 0.0),
    ("rx12", "region", 0.0),
    ("domicile_cntry", "country", 0.0),
    ("MobilTlf", "phone", 0.1),
    ("rx15", "email", 0.05),
    ("Stillingsbetegnelse", "job", 0.15),
    ("employer_legal_nm", "company", 0.0),
    ("Kontonummer", "iban", 0.0),
    ("rx19", "swift", 0.0),
    ("debit_card_no", "card", 0.25),
    ("Saldo", "amount", 0.0),
    ("rx22", "currency", 0.0),
    ("last_stmt_dt", "event_date_text", 0.0),
    ("Ugedag", "weekday", 0.0),
    ("Sagsnotat", "memo_names_30", 0.2),
    ("rx26", "notes_plain", 0.25),
    ("promo_tagline", "catch_phrase", 0.0),
])

# Faker, the other locales: a web shop's checkout export.
FAKER_MIXED: tuple[str, Layout] = ("faker_webshop_checkout", [
    ("udf_01", "order_no", 0.0),
    ("placed_at_utc", "created_at", 0.0),
    ("buyer_full_nm", "full_name", 0.0),
    ("udf_04", "free_email", 0.0),
    ("telefonszam", "phone", 0.05),
    ("udf_06", "calling_code", 0.0),
    ("szallitasi_cim", "postal_address", 0.0),
    ("ship_city", "city", 0.0),
    ("iranyitoszam", "postcode", 0.0),
    ("udf_10", "region", 0.0),
    ("ship_to_iso2", "country_iso", 0.0),
    ("udf_12", "dob_dmy_slash", 0.0),
    ("anno_nascita", "birth_year", 0.0),
    ("sec_q_answer", "maiden_name", 0.2),
    ("udf_15", "card", 0.1),
    ("client_ipaddr", "ip", 0.0),
    ("udf_17", "user_agent", 0.0),
    ("referer_url", "url", 0.0),
    ("cod_ean", "ean13", 0.0),
    ("udf_20", "latitude", 0.0),
    ("cantitate", "quantity", 0.0),
    ("valoare_totala", "amount_text", 0.0),
    ("pay_ccy", "currency", 0.0),
    ("professione", "job", 0.2),
    ("fattura_pdf", "file_name", 0.0),
    ("gift_msg", "memo_names_10", 0.45),
    ("udf_27", "notes_plain", 0.3),
])

# Mimesis, one locale (tr): a mobile operator's subscriber records.
MIMESIS_LOCAL: tuple[str, str, Layout] = ("mimesis_tr_abone_kayitlari", "tr", [
    ("KayitZamani", "event_ts", 0.0),
    ("cf_02", "uuid", 0.0),
    ("handset_model", "product", 0.0),
    ("AboneAdi", "first_name", 0.0),
    ("subscr_surname", "last_name", 0.0),
    ("cf_06", "maiden_name", 0.4),
    ("GsmNo", "telephone", 0.05),
    ("cf_08", "phone_intl", 0.3),
    ("EPostaAdresi", "email", 0.05),
    ("install_addr", "address", 0.0),
    ("Sehir", "city", 0.0),
    ("IlAdi", "state", 0.0),
    ("cf_13", "postcode", 0.0),
    ("DogumTarihi", "dob_iso", 0.0),
    ("cf_15", "gender", 0.0),
    ("Meslek", "occupation", 0.1),
    ("nationality_txt", "country", 0.0),
    ("cf_18", "card", 0.3),
    ("autopay_bank", "bank", 0.0),
    ("monthly_fee_amt", "price", 0.0),
    ("cf_21", "currency", 0.0),
    ("device_colour_desc", "colour", 0.0),
    ("SonFaturaTarihi", "event_date_text", 0.0),
    ("cf_24", "card_owner", 0.3),
    ("tariff_label", "word", 0.0),
    ("AciklamaNotu", "memo_names_25", 0.2),
    ("ops_comment", "notes_plain", 0.3),
])

# Mimesis, the other locales: a SaaS product's audit trail joined to its user records.
MIMESIS_MIXED: tuple[str, Layout] = ("mimesis_saas_audit_trail", [
    ("var01", "row_number", 0.0),
    ("occurred_utc", "event_ts", 0.0),
    ("var03", "http_status", 0.0),
    ("api_rev", "version", 0.0),
    ("ua_string_raw", "user_agent", 0.0),
    ("origin_ip_addr", "ip", 0.0),
    ("volledige_naam", "full_name", 0.0),
    ("var08", "card_owner", 0.1),
    ("epostadress", "email", 0.0),
    ("var10", "phone_intl", 0.0),
    ("fallback_tel", "telephone", 0.2),
    ("var12", "calling_code", 0.0),
    ("landskod", "country_iso", 0.0),
    ("billing_addr_full", "address", 0.0),
    ("stad", "city", 0.0),
    ("var16", "state", 0.0),
    ("postinumero", "postcode", 0.0),
    ("syntymapaiva", "dob_dmy_dot", 0.0),
    ("var19", "birth_year", 0.0),
    ("sukupuoli", "gender", 0.0),
    ("job_desc", "occupation", 0.0),
    ("ticker_sym", "ticker", 0.0),
    ("var23", "language", 0.0),
    ("artikel_ean", "ean", 0.0),
    ("aantal", "quantity", 0.0),
    ("var26", "memo_names_08", 0.15),
    ("support_remark", "notes_plain", 0.3),
])

# Messy: an insurer's policy dump (rows from every locale of the split).
MESSY: tuple[str, Layout] = ("messy_insurer_policy_dump", [
    ("POLICY_SEQ", "row_id", 0.0),
    ("DATA_EMITERII", "event_mixed", 0.0),
    ("CLAIM_REF_NO", "order_digits", 0.0),
    ("ASIGURAT", "name_mess", 0.05),
    ("DOB_RAW", "dob_mixed", 0.1),
    ("ZZ06", "gender_mess", 0.05),
    ("NUMER_TEL", "phone_excel", 0.15),
    ("ZZ08", "phone_digits", 0.3),
    ("CONTACT_EMAIL_TXT", "email_mess", 0.05),
    ("ZZ10", "address_mess", 0.05),
    ("MESTO", "city_mess", 0.05),
    ("ZZ12", "zip_mess", 0.05),
    ("TARA", "country_mess", 0.05),
    ("PROFESE", "job_mess", 0.15),
    ("ZZ15", "company", 0.05),
    ("PREMIUM_AMT", "amount_mess", 0.0),
    ("ZZ17", "currency_mess", 0.0),
    ("DEBIT_ACCT_NO", "iban_mess", 0.1),
    ("ZZ19", "card_excel", 0.1),
    ("PORTAL_IP", "ip_mess", 0.1),
    ("VEHICLE_COLOUR", "colour", 0.1),
    ("ZZ22", "ean_excel", 0.0),
    ("UWAGI_LIKWIDATORA", "memo_mess", 0.2),
    ("ZZ24", "empty", 0.0),
    ("NUME_BENEFICIAR", "name_mess", 0.3),
])
