"""skactive.neural: the skorch classifier, its protocol, the modules, FrozenFeatures."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.exceptions import LearnerCapabilityError  # noqa: E402
from skactive.neural import (  # noqa: E402
    MLP,
    ActiveNeuralNetClassifier,
    FrozenFeatures,
    ResNet18,
    SmallCNN,
)
from skactive.strategies import (  # noqa: E402
    BALD,
    CEAL,
    EntropyDropout,
    LeastConfidenceDropout,
    MarginDropout,
    MeanSTD,
)
from skactive.utils.estimator_checks import check_query_strategy  # noqa: E402

from ._helpers import shared_data_path  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def make_net(**kwargs):
    params = dict(module__dropout=0.3, module__hidden_units=64, max_epochs=8, random_state=0)
    params.update(kwargs)
    return ActiveNeuralNetClassifier(MLP, **params)


@pytest.fixture(scope="module")
def fitted_net(digits):
    X, y = digits
    return make_net(max_epochs=25).fit(X[:600], y[:600])


def test_fit_predict_and_labels(digits):
    X, y = digits
    labels = np.array(list("abcdefghij"))[y]
    net = make_net().fit(X[:600], labels[:600])
    assert net.score(X[1000:], labels[1000:]) > 0.75
    assert set(net.predict(X[:20])) <= set(labels)
    assert net.module_.features[1].in_features == 64  # n_features inferred
    assert not net.module_.training


def test_deterministic_and_restores_global_rng(digits):
    X, y = digits
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    net1 = make_net(max_epochs=2).fit(X[:200], y[:200])
    after = torch.rand(1)
    p1 = net1.predict_proba(X[:50])
    p2 = make_net(max_epochs=2).fit(X[:200], y[:200]).predict_proba(X[:50])
    np.testing.assert_array_equal(p1, p2)
    assert torch.equal(before, after)  # fitting under random_state leaves torch's RNG alone


def test_clone_pickle_pipeline_gridsearch(digits, fitted_net):
    X, y = digits
    cloned = clone(make_net(module__hidden_units=32))
    assert cloned.get_params()["module__hidden_units"] == 32
    restored = pickle.loads(pickle.dumps(fitted_net))
    np.testing.assert_allclose(restored.predict_proba(X[:10]), fitted_net.predict_proba(X[:10]))
    pipe = make_pipeline(StandardScaler(), make_net(max_epochs=2)).fit(X[:200], y[:200])
    assert pipe.predict(X[:5]).shape == (5,)
    search = GridSearchCV(
        make_net(max_epochs=2), {"lr": [1e-3, 1e-2], "module__hidden_units": [16, 32]}, cv=2
    ).fit(X[:200], y[:200])
    assert search.best_params_["module__hidden_units"] in (16, 32)


def test_protocol_matches_autograd(digits, fitted_net):
    X, _ = digits
    net = fitted_net
    Xq = X[700:705]
    Z = net.embed(Xq)
    assert Z.shape == (5, 64) and Z.dtype == np.float32
    W, b = net.linear_head()
    np.testing.assert_allclose(net.head_logits(Z), Z @ W.T + b, atol=1e-5)
    np.testing.assert_allclose(
        torch.softmax(torch.from_numpy(net.head_logits(Z)), 1).numpy(),
        net.predict_proba(Xq),
        atol=1e-6,
    )
    G, H = net.head_gradients(Xq)
    np.testing.assert_allclose(H, Z)
    np.testing.assert_allclose(G.sum(1), 0, atol=1e-6)
    A, H2 = net.head_gradient_factors(Xq)
    np.testing.assert_allclose(A, -G)
    # the gradient w.r.t. the last layer of the loss at the predicted label
    last = net.module_.head[-1]
    for i in range(2):
        net.module_.zero_grad()
        logits = net.module_.head(torch.from_numpy(Z[i : i + 1]))
        loss = torch.nn.functional.cross_entropy(logits, logits.argmax(1))
        (gW,) = torch.autograd.grad(loss, last.weight)
        np.testing.assert_allclose(gW.numpy(), np.outer(G[i], H[i]), atol=1e-5)
    np.testing.assert_allclose(net.embedding_gradients(Xq), G @ W, atol=1e-5)


def test_mc_dropout_samples(digits, fitted_net):
    X, _ = digits
    P1 = fitted_net.predict_proba_samples(X[:300], n_samples=5, random_state=1)
    P2 = fitted_net.predict_proba_samples(X[:300], n_samples=5, random_state=1)
    P3 = fitted_net.predict_proba_samples(X[:300], n_samples=5, random_state=2)
    assert P1.shape == (5, 300, 10)
    np.testing.assert_array_equal(P1, P2)
    assert not np.array_equal(P1, P3)
    np.testing.assert_allclose(P1.sum(2), 1, atol=1e-5)
    assert P1.std(0).mean() > 0
    assert not fitted_net.module_.training  # flags restored
    assert not any(m.training for m in fitted_net.module_.modules())


def test_mc_dropout_fast_path_matches_full_passes(digits, fitted_net):
    """Sampling only the head has the distribution of full forward passes."""
    X, _ = digits
    net = pickle.loads(pickle.dumps(fitted_net))
    fast = net.predict_proba_samples(X[:50], n_samples=200, random_state=0)
    net.module_.features.append(torch.nn.Dropout(1e-9))  # dropout outside the head
    full = net.predict_proba_samples(X[:50], n_samples=200, random_state=0)
    assert full.shape == fast.shape
    assert not np.array_equal(full, fast)  # the generic path was taken
    np.testing.assert_allclose(full.mean(0), fast.mean(0), atol=0.1)


def test_no_dropout_raises(digits):
    X, y = digits
    net = make_net(module__dropout=0.0, max_epochs=1).fit(X[:100], y[:100])
    with pytest.raises(LearnerCapabilityError, match="dropout"):
        net.predict_proba_samples(X[:5])
    with pytest.raises(LearnerCapabilityError, match="dropout"):
        BALD().query(X[:20], net, 2)


def test_train_accuracy_threshold(digits):
    X, y = digits
    net = make_net(max_epochs=60, train_acc_threshold=0.9).fit(X[:300], y[:300])
    assert len(net.history) < 60
    assert net.history[-1, "train_acc"] >= 0.9


def test_active_learner_loop_and_warm_start(digits):
    X, y = digits
    init = np.r_[np.flatnonzero(y == 0)[:5], np.flatnonzero(y == 1)[:5]]
    pool = np.setdiff1d(np.arange(1200), init)
    learner = ActiveLearner(make_net(max_epochs=3), BALD(), classes=np.arange(10), random_state=0)
    learner.fit(X[init], y[init])
    assert learner.predict_proba(X[:4]).shape == (4, 10)
    idx = learner.query(X[pool], budget=20)
    learner.teach(X[pool[idx]], y[pool[idx]])
    assert learner.X_labeled_.shape[0] == 30
    # "Continue": the new net starts from the previous weights
    cont = ActiveLearner(
        make_net(max_epochs=1, warm_start=True, classes=np.arange(10)), warm_start=True
    ).fit(X[:100], y[:100])
    w0 = cont.estimator_.module_.head[-1].weight.detach().clone()
    cont.teach(X[100:110], y[100:110])
    assert len(cont.estimator_.history) == 2  # one epoch per fit, history kept
    assert cont.previous_estimator_.module_.head[-1].weight.equal(w0)


def test_dataframe_inputs(digits):
    # a DataFrame is one input array for the module, not one keyword per column
    pd = pytest.importorskip("pandas")
    X, y = digits
    frame = pd.DataFrame(X[:300], columns=[f"pixel_{i}" for i in range(64)])
    learner = ActiveLearner(make_net(max_epochs=2), BALD(random_state=0)).fit(frame[:100], y[:100])
    idx = learner.query(frame[100:], budget=5)
    learner.teach(frame.iloc[100 + idx], y[100 + idx])
    np.testing.assert_allclose(
        learner.predict_proba(frame[:5]), learner.estimator_.predict_proba(X[:5]), rtol=1e-5
    )
    np.testing.assert_allclose(
        learner.estimator_.embed(frame[:3]), learner.estimator_.embed(X[:3]), rtol=1e-5
    )


@pytest.mark.parametrize(
    "strategy",
    [
        BALD(n_samples=4),
        EntropyDropout(n_samples=4),
        MarginDropout(n_samples=4),
        LeastConfidenceDropout(n_samples=4),
        MeanSTD(n_samples=4),
        CEAL(),
    ],
    ids=lambda s: type(s).__name__,
)
def test_strategies_contract_with_net(strategy, digits):
    X, y = digits
    learner = ActiveLearner(make_net(max_epochs=2), strategy, random_state=0)
    learner.fit(X[:80], y[:80]).teach(X[80:100], y[80:100])
    check_query_strategy(strategy, learner=learner, X_pool=X[100:400])


def test_ceal_with_net(digits):
    X, y = digits
    learner = ActiveLearner(make_net(max_epochs=25), CEAL(delta=0.3), random_state=0)
    learner.fit(X[:600], y[:600])
    idx = learner.query(X[600:1200], budget=10)
    p_idx, p_lab = learner.query_strategy_.pseudo_labels(X[600:1200], learner, exclude=idx)
    assert len(p_idx) > 0 and np.mean(p_lab == y[600:1200][p_idx]) > 0.9


def test_bald_with_net_prefers_uncertain(digits, fitted_net):
    X, _ = digits
    idx, scores = BALD(random_state=0).query(X[600:1000], fitted_net, 20, return_scores=True)
    acc_sel = (fitted_net.predict(X[600:1000][idx]) == load_digits().target[600:1000][idx]).mean()
    acc_all = (fitted_net.predict(X[600:1000]) == load_digits().target[600:1000]).mean()
    assert acc_sel < acc_all  # the most disagreeing samples are harder
    assert np.all(scores >= 0)


def test_small_cnn_on_mnist():
    d = np.load(shared_data_path("mnist.npz"))
    X = (d["X_train"][:600] / 255.0).astype(np.float32)
    y = d["y_train"][:600]
    net = ActiveNeuralNetClassifier(SmallCNN, max_epochs=2, random_state=0).fit(X[:500], y[:500])
    assert net.embed(X[500:510]).shape == (10, 128)
    assert net.predict_proba_samples(X[500:510], n_samples=3).shape == (3, 10, 10)
    assert net.score(X[500:], y[500:]) > 0.5
    # flat rows and channel-last inputs give the same embedding
    flat = net.embed(X[500:503].reshape(3, -1))
    np.testing.assert_allclose(flat, net.embed(X[500:503, :, :, None]), atol=1e-6)


def test_cnn_and_resnet_shapes():
    x = torch.rand(2, 32, 32, 3)
    cnn = SmallCNN(n_classes=10, in_channels=3, input_size=32).eval()
    assert cnn(x).shape == (2, 10) and cnn.embed(x).shape == (2, 128)
    for stem in ("cifar", "imagenet"):
        net = ResNet18(n_classes=5, width=8, stem=stem, dropout=0.2).eval()
        assert net(x).shape == (2, 5)
        assert net.embed(x).shape == (2, 64)
    with pytest.raises(ValueError, match="n_classes"):
        MLP(n_features=3)
    with pytest.raises(ValueError, match="stem"):
        ResNet18(n_classes=2, stem="x")


def test_frozen_features(digits):
    X, y = digits
    torch.manual_seed(0)
    backbone = MLP(n_features=64, n_classes=10, hidden_units=32)
    w = backbone.features[1].weight.detach().clone()
    ff = FrozenFeatures(backbone)
    Z = ff.fit_transform(X[:20])
    assert Z.shape == (20, 32) and ff.n_features_out_ == 32
    assert backbone.features[1].weight.equal(w)
    np.testing.assert_allclose(clone(ff).fit(X[:3]).transform(X[:20]), Z, atol=1e-6)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(ff)).transform(X[:20]), Z, atol=1e-6)
    pipe = make_pipeline(FrozenFeatures(backbone), SVC()).fit(X[:400], y[:400])
    assert pipe.score(X[1000:], y[1000:]) > 0.6
    with pytest.raises(ValueError, match="features"):
        ff.transform(X[:3, :10])
    # a fitted skorch net as the backbone, images given as flat rows
    net = make_net(max_epochs=1).fit(X[:100], y[:100])
    np.testing.assert_allclose(FrozenFeatures(net).fit(X[:5]).transform(X[:5]), net.embed(X[:5]))
    cnn = SmallCNN(n_classes=10, input_size=8)
    ff = FrozenFeatures(cnn, input_shape=(8, 8)).fit(X[:5])
    assert ff.transform(X[:5]).shape == (5, 128)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        FrozenFeatures("nope").fit(X[:5])


def test_import_guard_without_torch():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'skorch'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import skactive, skactive.strategies, skactive.utils\n"
        "from skactive.strategies import BALD\n"
        "try:\n"
        "    import skactive.neural\n"
        "except ImportError as e:\n"
        "    assert 'pip install skactive[torch]' in str(e), e\n"
        "    print('guarded')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "guarded" in out.stdout, out.stderr


def test_pretrained_net_fine_tunes_a_copy(digits):
    from skactive.neural import PretrainedNet

    X, y = digits
    torch.manual_seed(0)
    backbone = MLP(n_features=64, n_classes=5, hidden_units=32)
    w = backbone.features[1].weight.detach().clone()
    net = ActiveNeuralNetClassifier(
        PretrainedNet, module__backbone=backbone, max_epochs=3, random_state=0
    ).fit(X[:200], y[:200])
    assert backbone.features[1].weight.equal(w)  # the original is untouched
    assert not net.module_.backbone.features[1].weight.equal(w)  # the copy was trained
    assert net.embed(X[:4]).shape == (4, 32) and net.predict_proba(X[:4]).shape == (4, 10)
    frozen = ActiveNeuralNetClassifier(
        PretrainedNet, module__backbone=backbone, module__freeze=True, max_epochs=2
    ).fit(X[:200], y[:200])
    assert frozen.module_.backbone.features[1].weight.equal(w)
