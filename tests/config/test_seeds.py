import numpy as np

from imitation_mlflow.config.seeds import SEED_BOUND, RunSeeds


def test_streams_are_distinct_stable_and_bounded():
    seeds = RunSeeds.from_root(3)
    values = list(vars(seeds).values())
    assert len(set(values)) == len(values) and all(0 <= v < SEED_BOUND for v in values)
    assert RunSeeds.from_root(3) == seeds and RunSeeds.from_root(4) != seeds


def test_earlier_streams_keep_their_values():
    # The first four streams were spawned as SeedSequence(root).spawn(4): env,
    # demonstrations, (network) init, evaluation. Cached demonstrations rely on it.
    children = np.random.SeedSequence(7).spawn(4)
    old = [int(c.generate_state(1)[0] % SEED_BOUND) for c in children]
    seeds = RunSeeds.from_root(7)
    assert [seeds.env, seeds.demonstrations, seeds.init, seeds.evaluation] == old
