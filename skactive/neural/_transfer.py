"""Transfer (shallow classifier on frozen features) vs fine-tuning, as in alamp 5.4."""

import copy
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from torch import nn

from .._learner import ActiveLearner
from ..exceptions import LearnerCapabilityError
from ._classifier import ActiveNeuralNetClassifier
from ._features import FrozenFeatures

__all__ = ["PretrainedNet", "TransferComparison", "compare_transfer_finetune"]


class PretrainedNet(nn.Module):
    """A pre-trained backbone's ``embed`` with a new ``Dropout -> Linear`` head.

    The backbone is deep-copied, so fine-tuning never changes the original.
    Use it as a skorch module: ``ActiveNeuralNetClassifier(PretrainedNet,
    module__backbone=pretrained)``.

    Parameters
    ----------
    backbone : torch.nn.Module
        Has ``embed(x)`` (e.g. a trained :class:`SmallCNN`) or is itself the
        feature extractor (e.g. a torchvision ResNet with ``fc = Identity()``).
    n_classes : int, default=None
        Inferred by the classifier when None.
    embedding_dim : int, default=None
        Output size of the backbone; default ``backbone.embedding_dim``.
    dropout : float, default=0.0
    freeze : bool, default=False
        Train only the head (then fine-tuning is linear probing).

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import PretrainedNet, SmallCNN
    >>> net = PretrainedNet(SmallCNN(n_classes=5), n_classes=3)
    >>> net(torch.zeros(2, 28, 28)).shape
    torch.Size([2, 3])
    """

    def __init__(self, backbone, n_classes=None, embedding_dim=None, dropout=0.0, freeze=False):
        super().__init__()
        if n_classes is None:
            raise ValueError("PretrainedNet needs n_classes.")
        self.backbone = copy.deepcopy(backbone)
        dim = embedding_dim or getattr(backbone, "embedding_dim", None)
        if dim is None:
            raise ValueError("Pass embedding_dim: the backbone has no embedding_dim attribute.")
        self.embedding_dim = int(dim)
        if freeze:
            for p in self.backbone.parameters():
                p.requires_grad_(False)
        self.head = nn.Sequential(
            nn.Dropout(float(dropout)), nn.Linear(self.embedding_dim, int(n_classes))
        )

    def embed(self, x):
        """Backbone features ``(n, embedding_dim)``."""
        z = self.backbone.embed(x) if hasattr(self.backbone, "embed") else self.backbone(x)
        return z.reshape(z.shape[0], -1)

    def forward(self, x):
        return self.head(self.embed(x))


@dataclass
class TransferComparison:
    """Learning curves of the transfer and fine-tuning schemes.

    Attributes
    ----------
    n_labels : ndarray of shape (n_rounds + 1,)
        Labelled-set size at each evaluation (round 0 included).
    scores : dict
        ``{(scheme, strategy): ndarray (n_seeds, n_rounds + 1)}`` test accuracies.
    times : dict
        ``{(scheme, strategy): seconds}`` wall time over all seeds.
    """

    n_labels: np.ndarray
    scores: dict = field(default_factory=dict)
    times: dict = field(default_factory=dict)

    def mean(self):
        """``{(scheme, strategy): mean curve over seeds}``."""
        return {k: v.mean(axis=0) for k, v in self.scores.items()}

    def winners(self):
        """Per labelling budget, the best scheme for each strategy.

        Returns
        -------
        list of (strategy, n_labels, best_scheme, {scheme: mean accuracy})
        """
        out = []
        strategies = sorted({s for _, s in self.scores})
        for strat in strategies:
            curves = {sch: v.mean(0) for (sch, s), v in self.scores.items() if s == strat}
            for r, n in enumerate(self.n_labels):
                accs = {sch: float(c[r]) for sch, c in curves.items()}
                out.append((strat, int(n), max(accs, key=accs.get), accs))
        return out

    def plot(self, ax=None):
        """Mean learning curves (with min-max band over seeds), one line per pair."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.5))
        styles = {"transfer": "-", "finetune": "--"}
        colors = {}
        for (scheme, strat), v in sorted(self.scores.items()):
            color = colors.setdefault(strat, f"C{len(colors)}")
            m = v.mean(0)
            ax.plot(self.n_labels, m, styles.get(scheme, ":"), color=color, marker="o",
                    ms=3, label=f"{scheme} / {strat}")
            if v.shape[0] > 1:
                ax.fill_between(self.n_labels, v.min(0), v.max(0), color=color, alpha=0.1)
        ax.set_xlabel("number of labelled samples")
        ax.set_ylabel("test accuracy")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, ncol=2)
        return ax


def _default_strategies():
    from .. import strategies as S

    out = {"random": S.RandomSampling(), "margin": S.Margin(), "alamp-div": S.AlampDiv()}
    if hasattr(S, "BADGE"):
        out["badge"] = S.BADGE()
    return out


def compare_transfer_finetune(
    pretrained,
    X_pool,
    y_pool,
    X_test,
    y_test,
    *,
    strategies=None,
    n_initial=20,
    budget=20,
    n_rounds=5,
    shallow=None,
    finetune=None,
    seeds=(0,),
    verbose=False,
):
    """Compare "shallow classifier on frozen features" with fine-tuning, under AL.

    The alamp paper (Aggarwal et al., section 5.4) finds that, at small
    labelling budgets, an SVM on the features of a pre-trained network beats
    fine-tuning the network on the few labels. For every seed, both schemes
    start from the same random initial set; for every strategy an
    :class:`~skactive.ActiveLearner` then queries ``budget`` samples per round
    for ``n_rounds`` rounds; test accuracy is recorded after every fit.

    - *transfer*: ``make_pipeline(FrozenFeatures(pretrained), shallow)``
      (default ``SVC()``, as in the paper);
    - *finetune*: ``finetune`` (default: an :class:`ActiveNeuralNetClassifier`
      around :class:`PretrainedNet` — the whole network re-trained from the
      pre-trained weights at every round, Adam ``lr=1e-3``, 30 epochs).

    A strategy that a scheme cannot serve (e.g. BADGE needs a linear head,
    which ``SVC()`` lacks) is skipped for that scheme with a warning.

    Parameters
    ----------
    pretrained : torch.nn.Module
        Network trained on a source task, with ``embed`` (or a feature
        extractor). Not modified.
    X_pool, y_pool : arrays
        Target-task pool (labels revealed when queried).
    X_test, y_test : arrays
        Target-task test set.
    strategies : dict of {name: strategy}, default=None
        Default: random, margin, alamp-div, and BADGE when available.
    n_initial, budget, n_rounds : int
    shallow : classifier, default=None
        ``SVC()`` when None.
    finetune : classifier, default=None
        The fine-tuned estimator (cloned for every run).
    seeds : iterable of int, default=(0,)
    verbose : bool, default=False

    Returns
    -------
    TransferComparison

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklearn.datasets import load_digits
    >>> from skactive.neural import MLP, ActiveNeuralNetClassifier, compare_transfer_finetune
    >>> from skactive.strategies import Margin
    >>> X, y = load_digits(return_X_y=True)
    >>> X = (X / 16).astype(np.float32)
    >>> src = ActiveNeuralNetClassifier(MLP, max_epochs=5, random_state=0)
    >>> src = src.fit(X[y < 5][:500], y[y < 5][:500])  # source task: digits 0-4
    >>> Xt, yt = X[y >= 5], y[y >= 5]  # target task: digits 5-9
    >>> res = compare_transfer_finetune(
    ...     src.module_, Xt[:300], yt[:300], Xt[300:], yt[300:],
    ...     strategies={"margin": Margin()}, n_initial=10, budget=10, n_rounds=1,
    ...     finetune=ActiveNeuralNetClassifier(MLP, max_epochs=5, random_state=0))
    >>> res.n_labels.tolist(), sorted(res.scores)
    ([10, 20], [('finetune', 'margin'), ('transfer', 'margin')])
    """
    import time

    if strategies is None:
        strategies = _default_strategies()
    shallow = SVC() if shallow is None else shallow
    if finetune is None:
        finetune = ActiveNeuralNetClassifier(
            PretrainedNet, module__backbone=pretrained, max_epochs=30, lr=1e-3
        )
    schemes = {
        "transfer": make_pipeline(FrozenFeatures(pretrained), clone(shallow)),
        "finetune": finetune,
    }
    X_pool, y_pool = np.asarray(X_pool), np.asarray(y_pool)
    n_labels = n_initial + budget * np.arange(n_rounds + 1)
    if n_labels[-1] > len(X_pool):
        raise ValueError(
            f"n_initial + budget * n_rounds = {n_labels[-1]} exceeds the pool size {len(X_pool)}."
        )
    result = TransferComparison(n_labels=n_labels)
    seeds = list(seeds)
    for scheme, estimator in schemes.items():
        for name, strategy in strategies.items():
            curves, start, failed = [], time.perf_counter(), False
            for seed in seeds:
                rng = np.random.RandomState(seed)
                est = clone(estimator)
                if "random_state" in est.get_params(deep=False):
                    est.set_params(random_state=seed)
                labelled = _initial_set(y_pool, n_initial, rng)
                learner = ActiveLearner(est, clone(strategy), random_state=seed)
                learner.fit(X_pool[labelled], y_pool[labelled])
                accs = [learner.score(X_test, y_test)]
                for _ in range(n_rounds):
                    rest = np.setdiff1d(np.arange(len(X_pool)), labelled)
                    try:
                        idx = rest[learner.query(X_pool[rest], budget=budget)]
                    except LearnerCapabilityError as exc:
                        warnings.warn(f"{name} skipped for the {scheme} scheme: {exc}")
                        failed = True
                        break
                    learner.teach(X_pool[idx], y_pool[idx])
                    labelled = np.r_[labelled, idx]
                    accs.append(learner.score(X_test, y_test))
                if failed:
                    break
                curves.append(accs)
                if verbose:
                    curve = " ".join(f"{a:.3f}" for a in accs)
                    print(f"{scheme:9s} {name:10s} seed {seed}: {curve}")
            if not failed:
                result.scores[(scheme, name)] = np.asarray(curves)
                result.times[(scheme, name)] = time.perf_counter() - start
    return result


def _initial_set(y, n_initial, rng):
    """Random initial set containing at least two classes."""
    for _ in range(100):
        idx = rng.choice(len(y), size=n_initial, replace=False)
        if np.unique(y[idx]).size >= 2:
            return idx
    raise ValueError("Could not draw an initial set with two classes.")
