"""Typed configuration: sections, named configs as data, overrides and flattening."""

from imitation_mlflow.config.resolve import (
    apply_overrides,
    build_config,
    env_config_for,
    environment_configs,
    expand_named,
    flatten,
    flatten_dict,
    load_config_file,
    named_configs,
    parse_literal,
    to_dict,
    valid_keys,
)
from imitation_mlflow.config.sections import (
    BCConfig,
    DAggerConfig,
    DemonstrationsConfig,
    EnvironmentConfig,
    EvaluationConfig,
    ExpertConfig,
    ImitationConfig,
    PolicyConfig,
)

__all__ = [
    "BCConfig",
    "DAggerConfig",
    "DemonstrationsConfig",
    "EnvironmentConfig",
    "EvaluationConfig",
    "ExpertConfig",
    "ImitationConfig",
    "PolicyConfig",
    "apply_overrides",
    "build_config",
    "env_config_for",
    "environment_configs",
    "flatten_dict",
    "expand_named",
    "flatten",
    "load_config_file",
    "named_configs",
    "parse_literal",
    "to_dict",
    "valid_keys",
]
