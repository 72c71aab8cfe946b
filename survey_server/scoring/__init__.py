"""Scores of campaigns and of response tables, computed by the ``analysis`` library."""
