"""Recognizers of the identity domain."""
