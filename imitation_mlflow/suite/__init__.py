"""A benchmark suite: algorithms x environments x seeds, as processes, shell lines or SLURM.

Every run is one ``imitation-mlflow train`` process tagged with the suite's parent run, so
the same matrix runs the same way on this machine, under GNU parallel, or in a job array.
``matrix`` expands it, ``launch`` opens the parent and runs it, ``pool`` runs processes,
``slurm`` writes job arrays.
"""
