"""Developer tools (screenshots); not needed to run the workbench."""
