"""Using a finished run: load it, predict on new data, evaluate, export, report.

The run folder is the unit: its ``project.json`` (spec as trained), ``preprocessing.json``
(fitted scaling, class names, vocabulary) and a checkpoint are everything needed to rebuild the
model and apply it to a new file exactly as training prepared its own data.
"""
