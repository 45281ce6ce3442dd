"""The only place that talks to MLflow: run lifecycle, params, metrics, artifacts, models.

Import the submodules directly (``tracking.run``, ``tracking.models``, ``tracking.records``)
so that a command loads only the parts of MLflow it uses; ``tracking.contract`` (tag and
metric names, run records) imports no MLflow at all.
"""
