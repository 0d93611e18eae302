"""One module per ``likeness`` subcommand; see :mod:`likeness.cli`."""
