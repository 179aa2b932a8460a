"""Lakewarden governance core: configuration, errors, engine, Delta access, keys, audit."""
