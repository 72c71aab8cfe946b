"""Distribution links: one short code per (campaign, unit, channel) so responses are attributable."""
