"""One module per ``python -m training`` subcommand; each defines COMMAND."""
