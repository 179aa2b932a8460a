"""Erasure requests (GDPR/CCPA): ledger, execution, receipts and verification.

``identifiers`` normalizes and key-hashes a data subject's identifiers, ``ledger`` keeps
requests and their progress (keyed hashes only), ``locate`` finds the files and rows that
hold a subject, ``rewrite`` removes them file by file in one Delta commit per table,
``executor`` runs the resumable steps, ``receipt`` signs the outcome and ``verify`` re-reads
every byte under the lake.
"""
