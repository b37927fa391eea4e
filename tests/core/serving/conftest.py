"""The serving tests' shared trained runs (defined in serving_helpers, a module of its own)."""

from serving_helpers import runs  # noqa: F401
