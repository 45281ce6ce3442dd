"""MLflow models-from-code entry: defines the pyfunc model that serves an SB3 policy zip."""

from mlflow.models import set_model

from imitation_mlflow.tracking.models import SB3PolicyModel

set_model(SB3PolicyModel())
