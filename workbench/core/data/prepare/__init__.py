"""Raw data → ``PreparedData``: one module per shape of data, each with one ``prepare_*``.

- ``series``: one long series cut into windows (forecasting, regression over windows);
- ``sequences``: independent sequences (classification, regression, tagging);
- ``text``: a text corpus as a token stream (language modelling).

``workbench.core.data.loader`` reads a source and hands the result to the matching one.
"""
