"""Pure scoring library for Lắng nghe: numpy/scipy in, numbers out (never imports survey_server)."""

__all__: list[str] = []
