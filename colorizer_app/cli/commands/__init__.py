"""One module per colorizer-cli subcommand; each defines COMMAND."""
