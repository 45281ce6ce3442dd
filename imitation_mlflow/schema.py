"""The tidy runs table every loader (MLflow, sacred folders) produces and analysis consumes."""

RUN_COLUMNS = [
    "algo",
    "env_id",
    "seed",
    "status",
    "score",
    "expert_score",
    "random_score",
    "normalized_score",
    "source",
]
"""Columns of a runs frame; ``status`` uses sacred's names (COMPLETED, FAILED, ...)."""

SACRED_STATUS = {
    "FINISHED": "COMPLETED",
    "FAILED": "FAILED",
    "KILLED": "INTERRUPTED",
    "RUNNING": "RUNNING",
    "SCHEDULED": "QUEUED",
}
"""MLflow run status -> the sacred status name analysis and the sacred layout use."""
