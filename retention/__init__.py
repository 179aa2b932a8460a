"""Retention: usage measurement and cold data, retention and anonymization rules, erasure."""
