"""The one pipeline (``pipeline``) and what it drives: HiGHS runners, starts, diagnosis."""
