"""Reads behind the dashboards, one module per thing read: the indicators shown (``columns``),
the scored periods (``periods``), grade and mean summaries (``summaries``), team and company
heatmaps (``boards``), one person's scorecard (``scorecard``) and the company's operational
warnings (``operations``).

Scores come from the current results of a period, in a fixed number of queries whatever the size
of the team, and are kept in ``dashboards.cache`` (retired at once when a run publishes or
anything shown changes). Who may see whom is decided by ``org.selectors`` before anything is
read or kept; keys of anything scoped carry what the user may see.
"""
