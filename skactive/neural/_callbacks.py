"""skorch callbacks used by the active-learning training schemes."""

import contextlib
import numbers

import torch
from skorch.callbacks import Callback
from sklearn.utils import check_random_state

__all__ = ["TrainAccuracyThreshold", "torch_seed"]


@contextlib.contextmanager
def torch_seed(random_state):
    """Run a block under a seeded torch CPU generator, then restore the global one.

    ``None`` leaves torch's global random state alone (and uses it). An int is
    used as the seed; a ``numpy.random.RandomState`` draws one.

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import torch_seed
    >>> with torch_seed(0):
    ...     a = torch.rand(2)
    >>> with torch_seed(0):
    ...     b = torch.rand(2)
    >>> bool(torch.equal(a, b))
    True
    """
    if random_state is None:
        yield
        return
    if isinstance(random_state, numbers.Integral):
        seed = int(random_state)
    else:
        seed = int(check_random_state(random_state).randint(2**31 - 1))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


class TrainAccuracyThreshold(Callback):
    """Stop training once the training accuracy of an epoch reaches ``threshold``.

    ALFA-Mix (Parvaneh et al. 2022, section 4) trains every round until the
    training accuracy exceeds 99 % (``max_epochs`` still caps the epochs). The
    accuracy is the running accuracy of the training batches of the epoch
    (dropout on, as the batches were trained on), recorded in the history as
    ``train_acc``.

    Parameters
    ----------
    threshold : float, default=0.99

    Examples
    --------
    >>> from skactive.neural import ActiveNeuralNetClassifier, MLP, TrainAccuracyThreshold
    >>> net = ActiveNeuralNetClassifier(
    ...     MLP, max_epochs=50, callbacks=[TrainAccuracyThreshold(0.9)], random_state=0)
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> net = net.fit(X[:200] / 16, y[:200])
    >>> len(net.history) < 50 and net.history[-1, "train_acc"] >= 0.9
    True
    """

    def __init__(self, threshold=0.99):
        self.threshold = threshold

    def on_epoch_begin(self, net, **kwargs):
        self.correct_, self.total_ = 0, 0

    def on_batch_end(self, net, batch=None, training=None, y_pred=None, **kwargs):
        if not training or y_pred is None or batch is None:
            return
        yb = batch[1]
        if yb is None:
            return
        yb = torch.as_tensor(yb).to(y_pred.device)
        self.correct_ += int((y_pred.argmax(dim=1) == yb).sum())
        self.total_ += int(yb.shape[0])

    def on_epoch_end(self, net, **kwargs):
        if not self.total_:
            return
        acc = self.correct_ / self.total_
        net.history.record("train_acc", acc)
        if acc >= self.threshold:
            raise KeyboardInterrupt  # skorch ends fit() cleanly on this
