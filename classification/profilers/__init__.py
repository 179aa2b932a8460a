"""Column profilers: evidence that only the whole column gives (a spread of dates, a share of
dictionary names, national phone numbers read with a sibling column's country)."""
