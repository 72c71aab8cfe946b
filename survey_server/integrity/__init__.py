"""Integrity of results: statistical signs that a unit's numbers were stuffed, without identifiers."""
