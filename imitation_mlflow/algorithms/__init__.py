"""Imitation-learning algorithms. Nothing here imports mlflow, optuna or click."""
