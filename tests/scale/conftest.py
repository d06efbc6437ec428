"""One local Dask cluster with two worker processes, shared by the scale tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def dask_cluster():
    import distributed  # the scale extra, installed by requirements-dev.txt
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, memory_limit="1GiB",
                                       scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"})
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
