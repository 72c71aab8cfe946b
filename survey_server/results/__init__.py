"""Signed results packages: a province's per-unit statistics, rolled up at the Bộ or a Sở
without a single response leaving the province (docs/RESULTS-PACKAGE.md)."""
