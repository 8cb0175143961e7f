"""The pure scoring engine: numpy and pandas only, no Django, no I/O."""
