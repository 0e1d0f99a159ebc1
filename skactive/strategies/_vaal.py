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
    discriminator take every sample for labelled (target 1 for both sets, as
    in the authors' code), the discriminator learns to tell the latent means
    of labelled (1) from unlabelled (0) samples (Sinha et al. 2019, eqs. 1-4;
    the loop, losses and loss scaling of the authors' ``solver.py``, see
    :func:`skactive.neural.train_vaal`). The score of a pool sample is the
    discriminator's probability that it is unlabelled, :math:`1 - D(\\mu(x))`;
    the ``budget`` highest are selected, which is the authors' sampler
    (``sampler.py``: ``topk`` of :math:`-D(\\mu(x))`; ties go to the smaller
    pool index here).

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
        None: :class:`~skactive.neural.VAALDiscriminator`, the authors'
        discriminator (two hidden layers of 512, ReLU); a callable is called as
        ``discriminator(latent_dim)``.
    latent_dim : int, default=32
        32 as in the paper.
    max_epochs : int, default=30
        Training epochs per query (30 in the DeepAL+ survey, 100 in the
        authors' ``arguments.py``); as in the authors' code, training runs
        ``(n_labelled + n_pool) * max_epochs // batch_size`` iterations.
    batch_size : int, default=128
        The authors' default.
    lr : float, default=5e-4
        Adam learning rate of both networks (authors' code).
    beta : float, default=1.0
        Weight of the KL term of the beta-VAE.
    adversary_param : float, default=1.0
        Weight :math:`\\lambda` of the VAE's adversarial loss.
    n_vae_steps : int, default=2
        VAE steps per iteration (authors' default), each on a new pair of
        batches.
    n_adv_steps : int, default=1
        Discriminator steps per iteration (authors' default).
    reduction : {"reference", "elbo"}, default="reference"
        Scaling of the VAE loss (:func:`skactive.neural.vae_loss`): the
        authors' code (``nn.MSELoss()`` -- mean squared error over all
        elements -- plus the KL summed over the batch), or the per-sample
        negative ELBO of the paper's eq. 1 (squared error summed over
        features, averaged over the batch), whose balance does not depend on
        the batch size.
    device : str, default="cpu"
    random_state : int, RandomState instance or None, default=None
        Seeds the networks, the batches and the VAE noise; torch's global
        random state is left as it was.

    Notes
    -----
    Parity with the authors' code (sinhasam/vaal, commit 67263f3) is pinned
    by ``tests/reference/test_vaal_reference.py``. Intended differences: the
    pool is scored with the VAE in eval mode (the authors score in training
    mode, so with batch norm a sample's score depends on its random scoring
    batch), a labelled set smaller than one batch is used whole (the
    authors' loader, with ``drop_last=True``, would yield nothing), the
    batches and noise come from ``random_state``, and the default networks
    are smaller than the authors' CIFAR VAE (:class:`~skactive.neural.MLPVAE`
    for tabular rows, a two-block :class:`~skactive.neural.ConvVAE` for
    images; pass ``vae=`` for another). The paper's per-sample ELBO is
    ``reduction="elbo"`` (the default of earlier skactive versions).

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
        "n_vae_steps": [Interval(Integral, 1, None, closed="left")],
        "n_adv_steps": [Interval(Integral, 1, None, closed="left")],
        "reduction": [StrOptions({"elbo", "reference"})],
        "device": [str],
        "random_state": ["random_state"],
    }

    def __init__(self, vae="auto", discriminator=None, latent_dim=32, max_epochs=30,
                 batch_size=128, lr=5e-4, beta=1.0, adversary_param=1.0, n_vae_steps=2,
                 n_adv_steps=1, reduction="reference", device="cpu", random_state=None):
        self.vae = vae
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.beta = beta
        self.adversary_param = adversary_param
        self.n_vae_steps = n_vae_steps
        self.n_adv_steps = n_adv_steps
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
            adversary_param=self.adversary_param, n_vae_steps=self.n_vae_steps,
            n_adv_steps=self.n_adv_steps, reduction=self.reduction,
            device=self.device, random_state=random_state,
        )
        return top_k(scores, budget), scores
