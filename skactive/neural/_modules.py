"""Small networks with the ``embed`` / ``head`` split of the embedding protocol.

Every module here computes ``forward(x) = head(embed(x))``: ``embed`` maps an
input batch to latent features ``Z`` of shape ``(n, embedding_dim)`` and
contains no dropout, ``head`` is ``Dropout(p) -> Linear(embedding_dim,
n_classes)``. Keeping the stochastic part in the head lets MC dropout reuse one
embedding pass for all samples, and makes the gradients at the last layer
closed-form (see :class:`~skactive.neural.ActiveNeuralNetClassifier`).

``n_features`` / ``n_classes`` may be left as ``None``: the classifier fills
them from the training data.
"""

import torch
from torch import nn

__all__ = ["MLP", "SmallCNN", "ResNet18"]


def _check_dims(name, **dims):
    missing = [k for k, v in dims.items() if v is None]
    if missing:
        raise ValueError(
            f"{name} needs {', '.join(missing)}; pass them (e.g. module__{missing[0]}=...) "
            "or let ActiveNeuralNetClassifier infer them from the training data."
        )


def _make_head(embedding_dim, n_classes, dropout):
    return nn.Sequential(nn.Dropout(p=float(dropout)), nn.Linear(embedding_dim, n_classes))


def to_nchw(x, in_channels, input_size=None):
    """Bring an image batch to ``(n, C, H, W)`` float32.

    Accepts ``(n, H, W)`` (one channel), ``(n, H, W, C)`` (channels last, as in
    the bundled CIFAR-10 and in PIL/numpy images), ``(n, C, H, W)``, and flat
    rows ``(n, C*H*W)`` when ``input_size`` is known (square images).
    """
    x = x.float() if x.dtype != torch.float32 else x
    if x.ndim == 2:
        if input_size is None:
            raise ValueError(
                f"Got flat inputs of shape {tuple(x.shape)}; pass input_size to "
                "reshape them into square images."
            )
        return x.reshape(x.shape[0], in_channels, input_size, input_size)
    if x.ndim == 3:
        return x.unsqueeze(1)
    if x.ndim == 4 and x.shape[1] != in_channels and x.shape[-1] == in_channels:
        return x.permute(0, 3, 1, 2)
    if x.ndim != 4:
        raise ValueError(f"Expected images of 2 to 4 dimensions, got shape {tuple(x.shape)}.")
    return x


class MLP(nn.Module):
    """Multi-layer perceptron ``Linear(d, 256)-ReLU-[Dropout]-Linear(256, C)``.

    The network of the ALFA-Mix and DeepAL+ tabular experiments. ``embed`` is
    the hidden layer after the ReLU (``hidden_units`` features); ``head`` is
    dropout then the output layer.

    Parameters
    ----------
    n_features : int, default=None
        Input dimension (inferred by the classifier when None).
    n_classes : int, default=None
        Number of outputs (inferred by the classifier when None).
    hidden_units : int, default=256
        Width of each hidden layer, i.e. the embedding dimension.
    n_hidden_layers : int, default=1
        Number of ``Linear-ReLU`` blocks in the embedding.
    dropout : float, default=0.0
        Dropout probability before the output layer. MC-dropout strategies
        need ``dropout > 0``.

    Attributes
    ----------
    embedding_dim : int
        Dimension of ``embed(x)``.

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import MLP
    >>> net = MLP(n_features=4, n_classes=3, hidden_units=8)
    >>> net.embed(torch.zeros(2, 4)).shape, net(torch.zeros(2, 4)).shape
    (torch.Size([2, 8]), torch.Size([2, 3]))
    """

    def __init__(
        self, n_features=None, n_classes=None, hidden_units=256, n_hidden_layers=1, dropout=0.0
    ):
        super().__init__()
        _check_dims("MLP", n_features=n_features, n_classes=n_classes)
        layers, width = [], int(n_features)
        for _ in range(int(n_hidden_layers)):
            layers += [nn.Linear(width, int(hidden_units)), nn.ReLU()]
            width = int(hidden_units)
        self.features = nn.Sequential(nn.Flatten(), *layers)
        self.embedding_dim = width
        self.head = _make_head(width, int(n_classes), dropout)

    def embed(self, x):
        """Latent features ``(n, embedding_dim)``."""
        return self.features(x.float() if x.dtype != torch.float32 else x)

    def forward(self, x):
        return self.head(self.embed(x))


class SmallCNN(nn.Module):
    """Small convolutional network for 28x28 (MNIST) and 32x32 (CIFAR) images.

    ``Conv(C,32,3)-ReLU-Conv(32,32,3)-ReLU-MaxPool-Conv(32,64,3)-ReLU-MaxPool``
    then ``Linear(.., embedding_dim)-ReLU`` form the embedding; ``head`` is
    dropout then ``Linear(embedding_dim, n_classes)``. Inputs may be
    ``(n, H, W)``, ``(n, H, W, C)``, ``(n, C, H, W)`` or flat rows.

    Parameters
    ----------
    n_classes : int, default=None
        Number of outputs (inferred by the classifier when None).
    in_channels : int, default=1
        1 for grey images (MNIST), 3 for RGB (CIFAR).
    input_size : int, default=28
        Side of the square input images.
    embedding_dim : int, default=128
    dropout : float, default=0.5
        Dropout probability before the output layer (used by MC dropout).

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import SmallCNN
    >>> net = SmallCNN(n_classes=10, in_channels=3, input_size=32)
    >>> net(torch.zeros(2, 32, 32, 3)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self, n_classes=None, in_channels=1, input_size=28, embedding_dim=128, dropout=0.5
    ):
        super().__init__()
        _check_dims("SmallCNN", n_classes=n_classes)
        self.in_channels = int(in_channels)
        self.input_size = int(input_size)
        self.conv = nn.Sequential(
            nn.Conv2d(self.in_channels, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        side = self.input_size // 4
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(64 * side * side, embedding_dim), nn.ReLU())
        self.embedding_dim = int(embedding_dim)
        self.head = _make_head(self.embedding_dim, int(n_classes), dropout)

    def embed(self, x):
        """Latent features ``(n, embedding_dim)``."""
        return self.fc(self.conv(to_nchw(x, self.in_channels, self.input_size)))

    def forward(self, x):
        return self.head(self.embed(x))


class _BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 (He et al. 2016) with a CIFAR or an ImageNet stem.

    Four stages of two basic blocks (64, 128, 256, 512 channels) and global
    average pooling form the embedding (``512 * width / 64`` features);
    ``head`` is dropout then a linear layer. ``stem="cifar"`` is the 3x3
    convolution without max-pooling used for 32x32 images (DeepAL+ CIFAR
    setting); ``stem="imagenet"`` is the original 7x7 stride-2 convolution and
    max-pooling (DeepAL+ MNIST setting).

    Parameters
    ----------
    n_classes : int, default=None
    in_channels : int, default=3
    stem : {"cifar", "imagenet"}, default="cifar"
    width : int, default=64
        Channels of the first stage (64 in the paper; smaller is faster).
    dropout : float, default=0.0
        Dropout probability before the output layer.

    References
    ----------
    K. He, X. Zhang, S. Ren, J. Sun. "Deep residual learning for image
    recognition", CVPR 2016.

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import ResNet18
    >>> net = ResNet18(n_classes=10, width=8).eval()
    >>> net.embed(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 64])
    """

    def __init__(self, n_classes=None, in_channels=3, stem="cifar", width=64, dropout=0.0):
        super().__init__()
        _check_dims("ResNet18", n_classes=n_classes)
        if stem not in ("cifar", "imagenet"):
            raise ValueError(f"stem must be 'cifar' or 'imagenet', got {stem!r}.")
        self.in_channels = int(in_channels)
        w = int(width)
        if stem == "cifar":
            stem_layers = [nn.Conv2d(self.in_channels, w, 3, 1, 1, bias=False)]
        else:
            stem_layers = [nn.Conv2d(self.in_channels, w, 7, 2, 3, bias=False)]
        stem_layers += [nn.BatchNorm2d(w), nn.ReLU()]
        if stem == "imagenet":
            stem_layers.append(nn.MaxPool2d(3, 2, 1))
        self.stem = nn.Sequential(*stem_layers)
        stages, in_planes = [], w
        for i, planes in enumerate((w, 2 * w, 4 * w, 8 * w)):
            stride = 1 if i == 0 else 2
            stages += [_BasicBlock(in_planes, planes, stride), _BasicBlock(planes, planes, 1)]
            in_planes = planes
        self.layers = nn.Sequential(*stages, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.embedding_dim = in_planes
        self.head = _make_head(in_planes, int(n_classes), dropout)

    def embed(self, x):
        """Latent features ``(n, embedding_dim)`` after global average pooling."""
        return self.layers(self.stem(to_nchw(x, self.in_channels)))

    def forward(self, x):
        return self.head(self.embed(x))
