"""DataFrames and the database: reading querysets into frames (``read``), writing frames in bulk
(``write``) and the locks around them (``locks``). Django-aware, below every app that uses it."""
