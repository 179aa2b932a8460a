"""Classification: find the personal data in every column of a Delta lake (Presidio, sampled in Spark)."""
