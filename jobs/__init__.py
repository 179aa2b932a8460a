"""Thin job entry points: one module per job, runnable by spark-submit and by the CLI."""
