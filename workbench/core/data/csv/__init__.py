"""CSV/TSV files: pandas' C parser as the one engine, with our sniffing, checks and messages.

``read_table`` gives typed columns; ``wide`` (one series) and ``long`` (one row per sequence
step) turn them into what the preparation step takes.
"""

from workbench.core.data.csv.table import Table, first_missing, read_table

__all__ = ["Table", "first_missing", "read_table"]
