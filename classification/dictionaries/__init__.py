"""Reference data the profilers look values up in (names, places), built from packaged data sets."""
