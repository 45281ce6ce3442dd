"""One run, in the order it happens; the files read in that order.

``request`` (what is asked) -> ``prepare`` (checks and fetches) -> ``build`` (envs and the
algorithm, via ``builders``) -> ``train`` (budget, progress, ``checkpoint``) -> ``score``
(``ScoreCard``) -> ``record`` (MLflow), tied together by ``pipeline.run_experiment``.

Nothing is imported here: ``run.request`` (and ``run.signals``) load without torch, for the
command line; ``run.pipeline`` brings the ML stack.
"""
