"""Recognizers of the contact domain."""
