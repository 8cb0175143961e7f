"""The pure arithmetic of review cycles: DataFrames in, DataFrames out; no Django, no I/O."""
