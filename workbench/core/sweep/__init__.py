"""Hyperparameter sweeps on Optuna: the definition (a file beside the project) and the runner."""
