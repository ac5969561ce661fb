"""The class competition: submissions in a database, a leaderboard page, sweeps and grading.

A course runs the TorchPerf Olympics for a whole class. This room holds what that takes:

* ``db.py``: the database (SQLite by default, PostgreSQL on a class server);
* ``submit.py``: ``tt submit RUN_DIR`` and ``tt leaderboard``;
* ``web.py`` and ``pareto.py``: ``tt leaderboard serve``, the standings as a web page;
* ``engines.py``: many jobs at once, in a local process pool or on Ray;
* ``sweep.py``: ``tt sweep``, every combination of a grid of settings;
* ``grade.py``: ``tt verify --db URL --all``, every submission measured again on one machine;
* ``plugin.py``: registers the commands, through the entry point third parties use.

Read next: ``db.py``.
"""
