"""LADA: look-ahead data acquisition via augmentation (Kim et al., NeurIPS 2021).

torch is imported lazily (from :mod:`skactive.neural._lada`) inside
:meth:`LADA._query`, so importing this module needs no torch.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..exceptions import LearnerCapabilityError

__all__ = ["LADA"]

#: The reference's ``--alpha`` default, used by its ``LADA_fixed``.
_REFERENCE_FIXED_TAU = 2.0


class LADA(BaseQueryStrategy):
    r"""Look-ahead data acquisition via augmentation (InfoMixup, VarMix, InfoSTN).

    LADA scores a *pair* of pool samples by their own acquisition and by the
    acquisition of a virtual sample mixed from them at a hidden layer, with a
    mixing policy trained to make that virtual sample informative.

    For ``augmentation="info_mixup"`` (LADA\ :sub:`EntMix`, Algorithm 1):

    1. Draw ``2 * n_pairs`` pool samples at random and pair the first half
       with the second half (reference: a random subset of 2,000 samples,
       i.e. 1,000 pairs; ``n_pairs=None`` pairs the whole shuffled pool).
    2. Pick the mixing layer ``k`` at random from ``mix_layers`` (reference:
       one of the first two hidden representations; see
       :func:`skactive.neural.module_blocks`) and compute
       :math:`h^k(x_i), h^k(x'_i)` (eq. 9).
    3. Train a fresh policy :math:`\tau_i = \pi_\phi([h^k(x_i), h^k(x'_i)])`
       (eq. 10, :class:`skactive.neural.MixupPolicy`) with the classifier
       frozen (eval mode), to maximise the mean acquisition of
       ``n_lambda_samples`` mixed features
       :math:`h_m^{k,n} = \lambda_i^n h^k(x_i) + (1-\lambda_i^n) h^k(x'_i)`,
       :math:`\lambda_i^n \sim Beta(\tau_i, \tau_i)` (eq. 11-13), with Adam
       (``policy_lr``) for at most ``policy_epochs`` epochs over mini-batches
       of ``policy_batch_size`` pairs, stopping early when the epoch loss has
       not improved by a relative ``policy_tol`` for ``policy_patience``
       epochs. The :math:`\tau` of the best epoch is kept (Algorithm 1,
       lines 12-13, as in the reference).
    4. Score each pair by eq. 15, :math:`H(x_i) + H(x'_i) + \frac1N \sum_n
       H(\hat y^n_i)`, with fresh :math:`\lambda` draws, and take the top
       ``ceil(budget / 2)`` pairs (eq. 16). Both members of each pair are
       returned, pairs in decreasing score, within a pair the member with the
       higher own score first; for an odd budget the last pair contributes
       only that member (and is not used for virtual instances). Indices are
       never duplicated (pairs are disjoint).

    Gradients through :math:`\lambda \sim Beta(\tau, \tau)`: torch's
    ``Beta.rsample`` is reparameterised by implicit differentiation,
    :math:`d\lambda/d\tau = -\partial_\tau F(\lambda; \tau, \tau) /
    p(\lambda; \tau, \tau)` (``F`` the CDF), computed with the numerical
    approximations of Jankowiak & Obermeyer (2018). For a one-dimensional
    distribution the optimal-mass-transport (OMT) map is this monotone CDF
    map, so it is the same pathwise gradient as the paper's OMT estimator.

    Variants:

    - ``tau=<float>``: fixed :math:`\tau`, no policy (LADA\ :sub:`fixed`, a
      plain Manifold-Mixup look-ahead). ``augmentation="mixup"`` with
      ``tau=None`` uses the reference's default :math:`\tau = 2`.
    - ``acquisition="var_ratio"`` (LADA\ :sub:`VarMix`): :math:`1 - \max_c p`
      replaces the entropy in eq. 13 and 15.
    - ``augmentation="stn"`` (InfoSTN / LADA\ :sub:`EntSTN`): a spatial
      transformer (:class:`skactive.neural.SpatialTransformer`, identity at
      start) is trained on ``2 * n_pairs`` random pool images to maximise the
      classifier's acquisition of the transformed images; the score of a
      sample is the acquisition of its transformed version (section "LADA
      with various augmentation-acquisition"), top ``budget`` selected. Needs
      image inputs (or flat square single-channel images).

    Training with virtual instances (eq. 17-19) is done by the net, not by the
    strategy: see :class:`skactive.neural.VirtualInstanceTraining` and
    :func:`skactive.neural.teach_with_virtual_instances`.

    Differences from the reference code, on purpose: entropies use the
    natural log (the reference uses log2; the ranking is the same); the
    policy loss is the mean rather than the sum over a batch (Adam is
    insensitive to the scale); the conv policy pools adaptively to 5x5; the
    policy's :math:`\tau` is floored at 1e-3; early stopping (the reference
    always runs 10 epochs); the caller's global torch/numpy random state is
    left untouched (a forked torch generator seeded from ``random_state``).

    Parameters
    ----------
    acquisition : {"entropy", "var_ratio"}, default="entropy"
    augmentation : {"info_mixup", "mixup", "stn"}, default="info_mixup"
    tau : float > 0 or None, default=None
        None learns :math:`\tau` per pair (InfoMixup); a float fixes it.
    n_pairs : int or None, default=1000
        Number of random pairs scored (``2 * n_pairs`` pool samples; at least
        ``ceil(budget / 2)``). None: the whole pool.
    n_lambda_samples : int, default=5
        ``N``, draws of :math:`\lambda` per pair (reference ``numLambda``).
    mix_layers : "auto", int or list of int, default="auto"
        Candidate mixing layers ``k`` (block indices of
        :func:`skactive.neural.module_blocks`; 0 mixes inputs). "auto": the
        first two hidden representations, as the reference.
    policy : {"auto", "conv", "mlp"}, default="auto"
        Architecture of :math:`\pi_\phi`: the reference's conv net on feature
        maps, an MLP on vectors; "mlp" forces the paper's literal eq. 10.
    tau_max : float, default=1.0
        :math:`\tau = \tau_{max}\sigma(\cdot)` (reference ``sharp=1``).
    policy_epochs : int, default=10
    policy_lr : float, default=5e-5
    policy_batch_size : int, default=100
    policy_tol : float, default=0.0
        Relative improvement of the epoch loss that resets the patience.
    policy_patience : int, default=3
        Stop after this many epochs without improvement; 0 disables early
        stopping.
    stn_lr : float, default=1e-3
        Learning rate of the spatial transformer (InfoSTN).
    batch_size : int, default=256
        Batch size of the inference passes.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    mix_layer_ : int or None
        The mixing layer ``k`` of the last query.
    pairs_ : ndarray of shape (n_complete_pairs, 2)
        Pool indices of the selected complete pairs (``x_i``, ``x'_i``).
    tau_ : ndarray of shape (n_complete_pairs,)
        :math:`\tau^*` of each selected pair.
    lambda_ : ndarray of shape (n_complete_pairs,)
        One draw :math:`\lambda_i \sim Beta(\tau_i^*, \tau_i^*)` per pair.
    virtual_X_ : ndarray
        Virtual instances of eq. 17 with ``lambda_``: mixed features
        :math:`\lambda_i h^k(x_i) + (1-\lambda_i) h^k(x'_i)` at layer
        ``mix_layer_`` (InfoSTN: the transformed selected inputs).
    pair_scores_ : ndarray of shape (n_selected_pairs, 3)
        The three terms of eq. 15 for the selected pairs.
    policy_loss_ : ndarray
        Policy loss (minus the mean mixed acquisition) per training epoch.
    policy_ : torch.nn.Module or None
        The trained policy (or spatial transformer).

    References
    ----------
    Y.-Y. Kim, K. Song, J. Jang, I.-C. Moon. "LADA: Look-Ahead Data Acquisition
    via Augmentation for Active Learning", NeurIPS 2021, eq. 9-19 and
    Algorithm 1. Reference code: github.com/YoonyeongKim/LADA
    (``method_InfoManifoldAcqBeta.py``, ``utils_method.py``).
    M. Jankowiak, F. Obermeyer. "Pathwise derivatives beyond the
    reparameterization trick", ICML 2018.

    Examples
    --------
    >>> from skactive.strategies import LADA
    >>> LADA(tau=1.0).get_params()["tau"]
    1.0

    With a network (needs torch):

    >>> from sklearn.datasets import load_digits  # doctest: +SKIP
    >>> from skactive import ActiveLearner  # doctest: +SKIP
    >>> from skactive.neural import ActiveNeuralNetClassifier, MLP  # doctest: +SKIP
    >>> X, y = load_digits(return_X_y=True)  # doctest: +SKIP
    >>> net = ActiveNeuralNetClassifier(MLP, max_epochs=5, random_state=0)  # doctest: +SKIP
    >>> learner = ActiveLearner(net, LADA(n_pairs=100, random_state=0))  # doctest: +SKIP
    >>> learner = learner.fit(X[:100] / 16, y[:100])  # doctest: +SKIP
    >>> learner.query(X[100:600] / 16, budget=4).shape  # doctest: +SKIP
    (4,)
    """

    _parameter_constraints = {
        "acquisition": [StrOptions({"entropy", "var_ratio"})],
        "augmentation": [StrOptions({"info_mixup", "mixup", "stn"})],
        "tau": [None, Interval(Real, 0, None, closed="neither")],
        "n_pairs": [None, Interval(Integral, 1, None, closed="left")],
        "n_lambda_samples": [Interval(Integral, 1, None, closed="left")],
        "mix_layers": [
            StrOptions({"auto"}), Interval(Integral, 0, None, closed="left"), list, tuple
        ],
        "policy": [StrOptions({"auto", "conv", "mlp"})],
        "tau_max": [Interval(Real, 0, None, closed="neither")],
        "policy_epochs": [Interval(Integral, 1, None, closed="left")],
        "policy_lr": [Interval(Real, 0, None, closed="neither")],
        "policy_batch_size": [Interval(Integral, 1, None, closed="left")],
        "policy_tol": [Interval(Real, 0, None, closed="left")],
        "policy_patience": [Interval(Integral, 0, None, closed="left")],
        "stn_lr": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        acquisition="entropy",
        augmentation="info_mixup",
        tau=None,
        n_pairs=1000,
        n_lambda_samples=5,
        mix_layers="auto",
        policy="auto",
        tau_max=1.0,
        policy_epochs=10,
        policy_lr=5e-5,
        policy_batch_size=100,
        policy_tol=0.0,
        policy_patience=3,
        stn_lr=1e-3,
        batch_size=256,
        random_state=None,
    ):
        self.acquisition = acquisition
        self.augmentation = augmentation
        self.tau = tau
        self.n_pairs = n_pairs
        self.n_lambda_samples = n_lambda_samples
        self.mix_layers = mix_layers
        self.policy = policy
        self.tau_max = tau_max
        self.policy_epochs = policy_epochs
        self.policy_lr = policy_lr
        self.policy_batch_size = policy_batch_size
        self.policy_tol = policy_tol
        self.policy_patience = policy_patience
        self.stn_lr = stn_lr
        self.batch_size = batch_size
        self.random_state = random_state

    def __query_tags__(self):
        tags = QueryStrategyTags(requires_proba=True, stochastic=True)
        if hasattr(tags, "requires_neural_net"):
            tags.requires_neural_net = True
        return tags

    def _query(self, X_pool, learner, budget, random_state):
        try:
            from ..neural._lada import lada_query
        except ImportError as exc:
            raise LearnerCapabilityError(
                "LADA needs PyTorch and skorch (pip install skactive[torch]) and a "
                "torch network learner."
            ) from exc
        if X_pool.shape[0] < 2 and self.augmentation != "stn":
            # no pair can be formed: the only sample is the selection
            return np.arange(budget), None
        params = self.get_params(deep=False)
        if params["augmentation"] == "mixup" and params["tau"] is None:
            params["tau"] = _REFERENCE_FIXED_TAU
        seed = int(random_state.randint(2**31 - 1))
        indices, scores, info = lada_query(learner, X_pool, budget, seed, params)
        for name, value in info.items():
            setattr(self, name, value)
        return indices, scores

    def virtual_targets(self, y1, y2, classes):
        r"""Mixed soft labels :math:`\lambda_i e_{y_i} + (1-\lambda_i) e_{y'_i}`
        of ``virtual_X_`` (eq. 17-19).

        Parameters
        ----------
        y1, y2 : array-like of shape (n_complete_pairs,)
            Labels of ``pairs_[:, 0]`` and ``pairs_[:, 1]``.
        classes : array-like of shape (n_classes,)

        Returns
        -------
        Y : ndarray of shape (n_complete_pairs, n_classes)
        """
        import numpy as np

        classes = list(np.asarray(classes))
        lam = np.asarray(self.lambda_, dtype=float)[:, None]
        eye = np.eye(len(classes))
        E1 = eye[[classes.index(v) for v in np.asarray(y1).tolist()]]
        E2 = eye[[classes.index(v) for v in np.asarray(y2).tolist()]]
        return lam * E1 + (1.0 - lam) * E2
