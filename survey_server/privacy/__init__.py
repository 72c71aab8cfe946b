"""Privacy: scrubbing personal data from free text before it is stored (DESIGN §4)."""
