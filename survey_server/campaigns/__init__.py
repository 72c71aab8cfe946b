"""Campaigns (đợt khảo sát): a questionnaire version put to a unit subtree between two dates."""
