"""One run, in the order it happens; the files read in that order.

``request`` (what is asked) -> 1 ``prepare`` (checks and fetches, before any MLflow run)
-> 2 ``record`` (the start) -> 3 ``build`` (envs and the algorithm, via ``builders``) ->
4 ``train`` (budget, progress, ``checkpoint``) -> 5 ``score`` (``ScoreCard``) -> 6 ``record``
(the result), tied together by ``pipeline.run_experiment``.

Nothing is imported here: ``run.request`` (and ``run.signals``) load without torch, for the
command line; ``run.pipeline`` brings the ML stack.
"""
