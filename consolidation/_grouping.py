"""Vectorised group sums over answer arrays, shared by the estimators."""

from __future__ import annotations

import numpy as np

# Rows gathered per block: bounds the temporary to CHUNK x n_columns floats (~26 MB at 50).
CHUNK = 1 << 16


def grouped_row_sums(
    table: np.ndarray, row_of_item: np.ndarray, group_of_item: np.ndarray, n_groups: int
) -> np.ndarray:
    """`out[g] = sum(table[row_of_item[a]] for a with group_of_item[a] == g)`.

    Items must be sorted by group. Works block by block with `np.add.reduceat`, so memory stays
    bounded whatever the number of items.
    """
    out = np.zeros((n_groups, table.shape[1]), dtype=table.dtype)
    for start in range(0, len(group_of_item), CHUNK):
        groups = group_of_item[start : start + CHUNK]
        starts = np.concatenate(([0], np.flatnonzero(groups[1:] != groups[:-1]) + 1))
        sums = np.add.reduceat(table[row_of_item[start : start + CHUNK]], starts, axis=0)
        out[groups[starts]] += sums
    return out


def cell_sums(
    rows: np.ndarray, columns: np.ndarray, weights: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Dense `shape` matrix with `weights` summed into cells (`rows`, `columns`)."""
    flat = np.bincount(rows * shape[1] + columns, weights=weights, minlength=shape[0] * shape[1])
    return flat.reshape(shape)
