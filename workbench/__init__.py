"""Sequence Workbench: build, train and look inside RNN / LSTM / GRU models."""

__version__ = "0.1.0"
