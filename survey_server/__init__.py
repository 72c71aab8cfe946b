"""Lắng nghe: anonymous surveys and public feedback for Vietnamese education offices."""
