import numpy as np
import pytest

from imitation_mlflow.config.seeds import (
    SEED_BOUND,
    RunSeeds,
    format_seed_list,
    parse_seed_list,
)
from imitation_mlflow.errors import UserError


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


def test_seed_lists_parse_and_format_back():
    assert parse_seed_list("0-3,7, 9-10", "--seeds") == [0, 1, 2, 3, 7, 9, 10]
    assert parse_seed_list("5,5,4", "--seeds") == [5, 4]
    assert format_seed_list([7, 0, 1, 2, 3, 9, 10]) == "0-3,7,9-10"
    assert parse_seed_list(format_seed_list([3, 1, 8]), "--seeds") == [1, 3, 8]
    for bad in ("x", "3-1", "-1", "1,,2"):
        with pytest.raises(UserError, match="--seeds"):
            parse_seed_list(bad, "--seeds")
