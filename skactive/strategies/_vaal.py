"""VAAL (Sinha et al. 2019): what a labelled/unlabelled discriminator finds most unlabelled."""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..exceptions import LearnerCapabilityError
from ..utils import check_finite_features, densify_pool, top_k

__all__ = ["VAAL"]


class VAAL(BaseQueryStrategy):
    """Variational adversarial active learning: most "unlabelled-looking" samples first.

    At every query a beta-VAE and a discriminator are trained from scratch
    (seeded by ``random_state``) on the learner's labelled set and the pool:
    the VAE learns a latent space of both sets and tries to make the
    discriminator take every sample for labelled, the discriminator learns to
    tell the latent means of labelled from unlabelled samples (Sinha et al.
    2019, eqs. 1-4). The score of a pool sample is the discriminator's
    probability that it is unlabelled, :math:`1 - D(\\mu(x))`; the ``budget``
    highest are selected. See :func:`skactive.neural.train_vaal` for the
    training step and the deviations from the reference code (the authors'
    VAE adversarial targets, DeepAL+'s untrained networks and reversed
    ranking).

    VAAL only reads ``X_labeled_`` of an :class:`~skactive.ActiveLearner`: the
    classifier can be anything (scikit-learn included), but PyTorch must be
    installed. A bare estimator or a missing torch raises
    :class:`~skactive.exceptions.LearnerCapabilityError`.

    Parameters
    ----------
    vae : {"auto", "mlp", "conv"}, callable or torch.nn.Module, default="auto"
        "auto": a small convolutional VAE (:class:`~skactive.neural.ConvVAE`)
        for square images whose side is divisible by 4 (28x28, 32x32), an MLP
        VAE (:class:`~skactive.neural.MLPVAE`) otherwise. A callable is called
        as ``vae(input_shape, latent_dim)``.
    discriminator : callable, torch.nn.Module or None, default=None
        None: :class:`~skactive.neural.VAALDiscriminator` (two hidden layers of
        512); a callable is called as ``discriminator(latent_dim)``.
    latent_dim : int, default=32
        32 as in the paper.
    max_epochs : int, default=30
        Training epochs per query (30 in the DeepAL+ survey); an epoch is
        ``ceil(max(n_labelled, n_pool) / batch_size)`` iterations.
    batch_size : int, default=64
    lr : float, default=5e-4
        Adam learning rate of both networks (authors' code).
    beta : float, default=1.0
        Weight of the KL term of the beta-VAE.
    adversary_param : float, default=1.0
        Weight :math:`\\lambda` of the VAE's adversarial loss.
    reduction : {"elbo", "reference"}, default="elbo"
        Scaling of the VAE loss (:func:`skactive.neural.vae_loss`): the
        paper's per-sample ELBO, or the authors' code (mean squared error plus
        KL summed over the batch).
    device : str, default="cpu"
    random_state : int, RandomState instance or None, default=None
        Seeds the networks, the batches and the VAE noise; torch's global
        random state is left as it was.

    References
    ----------
    S. Sinha, S. Ebrahimi, T. Darrell. "Variational adversarial active
    learning", ICCV 2019. X. Zhan et al. "A comparative survey of deep active
    learning", 2022 (VAAL: 30 VAE epochs).

    Examples
    --------
    >>> import pytest
    >>> _ = pytest.importorskip("torch")
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import VAAL
    >>> X, y = load_letter(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), LogisticRegression())
    >>> learner = ActiveLearner(clf, VAAL(max_epochs=1, random_state=0)).fit(X[:100], y[:100])
    >>> learner.query(X[100:600], budget=5).shape
    (5,)
    """

    _parameter_constraints = {
        "vae": [StrOptions({"auto", "mlp", "conv"}), callable],
        "discriminator": [callable, None],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "adversary_param": [Interval(Real, 0, None, closed="left")],
        "reduction": [StrOptions({"elbo", "reference"})],
        "device": [str],
        "random_state": ["random_state"],
    }

    def __init__(self, vae="auto", discriminator=None, latent_dim=32, max_epochs=30,
                 batch_size=64, lr=5e-4, beta=1.0, adversary_param=1.0, reduction="elbo",
                 device="cpu", random_state=None):
        self.vae = vae
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.beta = beta
        self.adversary_param = adversary_param
        self.reduction = reduction
        self.device = device
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(
            requires_labeled_data=True, requires_torch=True, stochastic=True
        )

    def _query(self, X_pool, learner, budget, random_state):
        try:
            from ..neural._vaal import vaal_scores
        except ImportError as exc:
            raise LearnerCapabilityError(
                "VAAL trains a VAE and a discriminator with PyTorch, which is not "
                "installed: pip install skactive[torch]."
            ) from exc
        X_lab = learner.X_labeled_
        # the VAE trains on the raw rows: densified (memory-guarded), NaN refused
        X_pool = check_finite_features(densify_pool(X_pool, strategy_name="VAAL"))
        check_finite_features(X_lab)
        scores = vaal_scores(
            X_lab, X_pool, vae=self.vae, discriminator=self.discriminator,
            latent_dim=self.latent_dim, max_epochs=self.max_epochs,
            batch_size=self.batch_size, lr=self.lr, beta=self.beta,
            adversary_param=self.adversary_param, reduction=self.reduction,
            device=self.device, random_state=random_state,
        )
        return top_k(scores, budget), scores
