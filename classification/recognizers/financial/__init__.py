"""Recognizers of the financial domain."""
