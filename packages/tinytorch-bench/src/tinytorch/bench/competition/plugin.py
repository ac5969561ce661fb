"""tinytorch-bench's competition plugin: registers ``tt submit``, ``tt leaderboard`` and ``tt sweep``.

The entry point ``competition = "tinytorch.bench.competition.plugin"`` in this package's
pyproject.toml points here. The commands' modules import SQLAlchemy and the runner, so
they are imported only when ``tt`` starts, not on every plugin lookup.

Read next: ``submit.py``.
"""

from tinytorch.core import hookimpl


@hookimpl
def tinytorch_register_commands(cli):
    from .submit import leaderboard_group, submit_command
    from .sweep import sweep_command

    for command in (submit_command, leaderboard_group, sweep_command):
        cli.add_command(command)
