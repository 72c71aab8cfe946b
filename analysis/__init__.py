"""Pure scoring library for Lắng nghe: numpy/scipy in, numbers out (never imports survey_server)."""

from analysis.suppression import COMPLEMENTARY, K_FLOOR, PRIMARY, suppress

__all__ = ["COMPLEMENTARY", "K_FLOOR", "PRIMARY", "suppress"]
