"""Helpers shared by test modules: data on skactive's search path, torch threads,
a local dask cluster."""

import pytest

from skactive.datasets import get_data_paths


def shared_data_path(name):
    """Path of a data file on skactive's search path, or skip the test."""
    for folder in get_data_paths():
        if (folder / name).is_file():
            return folder / name
    pytest.skip(f"{name} not found on skactive.datasets.get_data_paths() (set SKACTIVE_DATA)")


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny matrices on a shared 2-core machine: one torch thread avoids contention."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def local_dask_client(n_workers):
    """A ``distributed.Client`` on a new ``LocalCluster`` of ``n_workers``
    one-thread worker processes (1 GiB each), closed after use; for a
    module-scoped fixture: ``yield from local_dask_client(2)``."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, memory_limit="1GiB")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()
