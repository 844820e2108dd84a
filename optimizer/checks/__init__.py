"""Checks before the solver runs: named pre-solve checks and the model's numerics."""
