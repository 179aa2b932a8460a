"""Key management: the key-encryption-key providers (Vault Transit, local keyring), the Delta
key tables holding wrapped data keys, and the key manager the protection jobs use."""
