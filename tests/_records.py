"""Records built by hand for the trace tests (``ingest`` is tested elsewhere)."""

from __future__ import annotations

from typing import Any

import numpy as np

from botgraph.ingest import Records


def make_records(accounts: list[str], times: list[float], **fields: list[Any]) -> Records:
    """Build Records directly, keeping every cell as given (tuples stay tuples)."""
    n = len(accounts)
    account_id = np.array(accounts, dtype=object)
    distinct, codes = np.unique(account_id, return_inverse=True)
    columns = {}
    for name, values in fields.items():
        assert len(values) == n
        column = np.empty(n, dtype=object)
        for i, value in enumerate(values):  # element-wise: tuples must stay tuples
            column[i] = value
        columns[name] = column
    return Records(
        account_id=account_id,
        timestamp=np.asarray(times, dtype=np.float64),
        record_id=np.array([str(i) for i in range(n)], dtype=object),
        row=np.arange(n, dtype=np.int64),
        accounts=distinct.astype(object),
        account_code=codes.reshape(-1).astype(np.int64),
        fields=columns,
        rejected=(),
        n_input=n,
    )
