"""Hyperparameter tuning with optuna: search spaces as data, a shared study, two phases."""
