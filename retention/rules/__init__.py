"""Retention rules: typed models (``governance.retention_policy``), plan, apply, k-anonymity risk."""
