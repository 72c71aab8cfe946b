"""Responses: the respondent form and the durable, anonymous storage of submissions."""
