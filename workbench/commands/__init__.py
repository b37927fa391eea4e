"""One module per `workbench` subcommand: ``add_parser(subparsers)`` and ``run(args)``."""
