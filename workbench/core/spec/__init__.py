"""The project spec and everything that reads, writes or documents it. Torch-free.

- ``project``: ``ProjectSpec`` = ``DataSpec`` + ``ModelSpec`` + ``TrainSpec`` (the one source of
  truth the GUI edits, the CLI reads and training takes);
- ``task``: the ``Task`` names;
- ``layers``: the layer specs and their registry;
- ``base``: the declarative base every spec builds on (fields with constraints, validation by
  path, migrations);
- ``paths``: read / write a value by its problem path (``model.layers[1].hidden_size``);
- ``model_fit``: the one rule fitting a model spec's input and head to the data;
- ``project_file``: load / save project files (atomically) and the built-in examples;
- ``schema`` (+ ``schema_prose``): the JSON Schema and ``docs/project-format.md``, generated from
  the spec fields.
"""
