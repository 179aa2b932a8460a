"""Protection transforms: deterministic tokens, encryption, per-subject encryption, keyed hashes, masks.

``codec`` holds the versioned value format and type codes, ``transforms`` the pure crypto
(no Spark, no key server), ``plan`` turns the policy into a per-column plan, and ``spark``
applies a plan to a DataFrame and reveals protected values again.
"""
