"""``tt chat``: ask a TinyTalks model questions.

    tt run configs/milestones/2017_transformer_tinytalks.yaml --out runs/tinytalks
    tt chat runs/tinytalks --question "What color is the sky?"
    tt chat runs/tinytalks                      # one question a line; an empty line ends it

The run is loaded exactly as ``tt generate`` loads it (``sample.load_run``). Each
question is wrapped in the format the model was trained on, ``Q: <question>\\nA: ``,
and the model's greedy continuation up to the end of the line is its answer
(``tinytorch.text.tinytalks.answer``). Greedy, so the same question always gets the same
answer: this is what ``answer_exact_match`` in ``metrics.json`` measured.

Read next: ``tinytorch.text.tinytalks``, the data and the measure.
"""

import click

from tinytorch.core import hookimpl, use_backend
from tinytorch.text.tinytalks import answer

from .runner import RunError
from .sample import load_run


def ask(trained, question):
    """The answer of a loaded run (``sample.load_run``) to ``question``."""
    try:
        trained.tokenizer.encode(question)
    except ValueError as error:  # the tokenizer's message names the characters it lacks
        raise RunError(f"question {question!r}: {error}") from None
    with use_backend(trained.config["backend"]):
        return answer(trained.model, trained.tokenizer, [question])[0]


@click.command("chat")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--question", help="ask this one question, print the answer and stop")
def chat_command(run_dir, question):
    """Ask the TinyTalks model trained in RUN_DIR questions (a `tt run --out` directory)."""
    trained = load_run(run_dir)
    if question is not None:
        click.echo(ask(trained, question))
        return
    click.echo("Ask a question; an empty line (or Ctrl-D) ends the chat.")
    while True:
        try:
            line = click.prompt("Q", default="", show_default=False, prompt_suffix=": ").strip()
        except (EOFError, click.Abort):
            break
        if not line:
            break
        try:
            click.echo(f"A: {ask(trained, line)}")
        except RunError as error:  # one bad question does not end the chat
            click.echo(f"error: {error}", err=True)


@hookimpl
def tinytorch_register_commands(cli):
    cli.add_command(chat_command)
