"""Vectorised sums over answer arrays, shared by the estimators."""

from __future__ import annotations

import contextlib

import numpy as np

# Up to this many object x worker cells the incidence matrix is kept dense (80 MB at most in
# float32) and the per-iteration sums are BLAS products; beyond it, one bincount per row.
DENSE_CELLS = 20_000_000


def single_threaded_blas() -> contextlib.AbstractContextManager:
    """Keep BLAS products on one thread while fitting.

    The products here are small enough that a second thread gains little on an idle machine,
    and OpenBLAS's spinning threads slow them down tenfold when the cores are shared (measured:
    1.7 s single-threaded vs 6-30 s with two threads on a loaded 2-core machine). Without
    threadpoolctl (a pure-Python package) BLAS keeps its own default.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class Incidence:
    """Which worker answered which object, for sums over answers in both directions.

    Tables are row-major per column of interest (labels x objects, labels x workers), which
    keeps every product contiguous.
    """

    def __init__(
        self,
        answer_object: np.ndarray,
        answer_worker: np.ndarray,
        n_objects: int,
        n_workers: int,
        dtype: type = np.float64,
    ) -> None:
        self.answer_object = answer_object
        self.answer_worker = answer_worker
        self.n_objects = n_objects
        self.n_workers = n_workers
        self.dense: np.ndarray | None = None
        if n_objects * n_workers <= DENSE_CELLS:
            counts = cell_sums(
                answer_worker, answer_object, np.ones(answer_object.size), (n_workers, n_objects)
            )
            self.dense = counts.astype(dtype)

    def sum_by_worker(self, per_object: np.ndarray) -> np.ndarray:
        """`out[:, w] = sum of per_object[:, i(a)] over the answers a of worker w`."""
        if self.dense is not None:
            return per_object @ self.dense.T
        return _rowwise(per_object, self.answer_object, self.answer_worker, self.n_workers)

    def sum_by_object(self, per_worker: np.ndarray) -> np.ndarray:
        """`out[:, i] = sum of per_worker[:, w(a)] over the answers a of object i`."""
        if self.dense is not None:
            return per_worker @ self.dense
        return _rowwise(per_worker, self.answer_worker, self.answer_object, self.n_objects)


def _rowwise(table: np.ndarray, source: np.ndarray, target: np.ndarray, size: int) -> np.ndarray:
    out = np.empty((table.shape[0], size), dtype=table.dtype)
    for row, values in enumerate(table):  # one bincount per label, each over all answers
        out[row] = np.bincount(target, weights=values[source], minlength=size)
    return out


def cell_sums(
    rows: np.ndarray, columns: np.ndarray, weights: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Dense `shape` matrix with `weights` summed into cells (`rows`, `columns`)."""
    flat = np.bincount(rows * shape[1] + columns, weights=weights, minlength=shape[0] * shape[1])
    return flat.astype(np.float64, copy=False).reshape(shape)  # int64 when there are no rows
