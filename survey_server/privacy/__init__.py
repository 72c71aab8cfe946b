"""Privacy: scrubbing personal data from free text before it is stored (docs/PRIVACY.md)."""
