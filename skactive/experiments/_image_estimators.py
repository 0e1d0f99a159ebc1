"""Estimators of the CLI that take images (and tabular rows): ``mlp`` and ``cnn``.

Both are scikit-learn pipelines ending in the package's skorch
:class:`~skactive.neural.ActiveNeuralNetClassifier`, so every strategy that
needs an embedding, a linear head or MC dropout works with them. They need
PyTorch (``pip install skactive[torch]``).
"""

import numpy as np

__all__ = ["IMAGE_ESTIMATORS", "image_cnn", "image_mlp", "set_image_geometry"]

#: Registry names of the estimators that accept image datasets.
IMAGE_ESTIMATORS = ("cnn", "mlp")


def _flatten(X):
    """Rows of flattened pixels (or features), float32."""
    X = np.asarray(X)
    return X.reshape(X.shape[0], -1).astype(np.float32, copy=False)


def _pixels(X):
    """Images as float32; 8-bit pixels scaled to [0, 1]."""
    X = np.asarray(X)
    if X.dtype == np.uint8:
        return X.astype(np.float32) / 255.0
    return X.astype(np.float32, copy=False)


def _neural():
    try:
        from .. import neural
    except ImportError as exc:
        raise ImportError(
            f"The 'mlp' and 'cnn' estimators are PyTorch networks: {exc}"
        ) from exc
    return neural


def image_mlp():
    """``mlp``: flattened pixels (or tabular rows), standardised, into the
    package's :class:`~skactive.neural.MLP` (20 epochs, dropout 0.2).

    Examples
    --------
    >>> from skactive.experiments._image_estimators import image_mlp
    >>> [name for name, _ in image_mlp().steps]
    ['flatten', 'scale', 'net']
    """
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    neural = _neural()
    net = neural.ActiveNeuralNetClassifier(neural.MLP, module__dropout=0.2, max_epochs=20)
    return Pipeline([("flatten", FunctionTransformer(_flatten)), ("scale", StandardScaler()),
                     ("net", net)])


def image_cnn():
    """``cnn``: the package's :class:`~skactive.neural.SmallCNN` on pixels
    scaled to [0, 1] (10 epochs); geometry 1 x 28 x 28 until
    :func:`set_image_geometry` sets the data's.

    Examples
    --------
    >>> from skactive.experiments._image_estimators import image_cnn
    >>> image_cnn().get_params()["net__module__input_size"]
    28
    """
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    neural = _neural()
    net = neural.ActiveNeuralNetClassifier(
        neural.SmallCNN, module__in_channels=1, module__input_size=28, max_epochs=10
    )
    return Pipeline([("pixels", FunctionTransformer(_pixels)), ("net", net)])


def set_image_geometry(estimator, sample_shape):
    """Set the channels and the side of the ``cnn`` estimator from the shape
    of one sample: ``(H, W)``, ``(H, W, C)`` or ``(C, H, W)`` with ``H == W``.

    Examples
    --------
    >>> from skactive.experiments._image_estimators import image_cnn, set_image_geometry
    >>> cnn = set_image_geometry(image_cnn(), (32, 32, 3))
    >>> cnn.get_params()["net__module__in_channels"], cnn.get_params()["net__module__input_size"]
    (3, 32)
    """
    shape = tuple(int(s) for s in sample_shape)
    if len(shape) == 2 and shape[0] == shape[1]:
        channels, side = 1, shape[0]
    elif len(shape) == 3 and shape[0] == shape[1] and shape[2] in (1, 3, 4):
        channels, side = shape[2], shape[0]
    elif len(shape) == 3 and shape[1] == shape[2] and shape[0] in (1, 3, 4):
        channels, side = shape[0], shape[1]
    else:
        raise ValueError(
            "The cnn estimator takes square images of shape (H, W), (H, W, C) or "
            f"(C, H, W) with C in (1, 3, 4); got samples of shape {shape}."
        )
    return estimator.set_params(net__module__in_channels=channels,
                                net__module__input_size=side)
