"""skactive: scikit-learn-compatible active learning."""

from ._campaign import Campaign
from ._learner import ActiveLearner

__version__ = "0.1.0"

__all__ = ["ActiveLearner", "Campaign", "__version__"]
