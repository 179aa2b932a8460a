"""The labelled benchmark lake: generated tables whose columns carry known entity labels."""
