"""Running experiments: the ``tt`` command and everything one ``tt run`` goes through.

``cli.py`` is the command line; ``config.py`` reads a YAML config (``extends:``,
``--set``) and ``schema.py`` checks it; ``runner.py`` builds data, model and optimizer,
trains, applies passes and measures; ``outputs.py`` writes the run directory;
``cache.py`` keeps baselines; ``progress.py``/``dashboard.py`` show the run live;
``plot.py`` draws its curves; ``sample.py`` loads a finished run to generate text.

Read next: ``runner.py``.
"""
