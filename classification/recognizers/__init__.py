"""Lakewarden's Presidio recognizers, one class per file under ``<domain>/``.

The registry (``classification.registry``) instantiates them by the names listed in
``conf/recognizers.yaml``; nothing is discovered implicitly.
"""
