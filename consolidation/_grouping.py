"""Vectorised sums over answer arrays, shared by the estimators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse


def incidence(
    rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int], dtype: type = np.float64
) -> sparse.csr_matrix:
    """Sparse `shape` matrix counting the (`rows`, `columns`) pairs, e.g. objects x workers.

    `incidence @ table` sums the rows of `table` named by each row's pairs. A sparse product
    costs one multiply-add per pair and column (a dense one per cell and column) and runs on
    one thread, so sharing the cores costs nothing extra. Each row holds its entries in column
    order, so sums do not depend on the order the pairs came in.
    """
    from scipy import sparse  # imported where used (docs/interfaces.md#startup)

    counts = np.ones(rows.size, dtype=dtype)
    matrix = sparse.csr_matrix((counts, (rows, columns)), shape=shape)
    matrix.sum_duplicates()  # also sorts each row's entries
    return matrix


def cell_sums(
    rows: np.ndarray, columns: np.ndarray, weights: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Dense `shape` matrix with `weights` summed into cells (`rows`, `columns`)."""
    flat = np.bincount(rows * shape[1] + columns, weights=weights, minlength=shape[0] * shape[1])
    return flat.astype(np.float64, copy=False).reshape(shape)  # int64 when there are no rows
