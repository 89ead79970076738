"""Rank aggregation: a Bradley–Terry model fitted on many small rankings at once.

Text-ranking jobs give, per (object, dimension), each worker's ranks of the object's n responses
(1 = best, ties share a rank). `BradleyTerry` turns each group's rankings into pairwise wins and
fits every group's response strengths together, as arrays of shape groups x n x n.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

SCORE_DECIMALS = 9  # scores are rounded to this many decimals


class BradleyTerry:
    """Per group, a strength for every response from several rankings of the group's responses.

    P(i beats j) = p_i / (p_i + p_j). Every ranking adds, for each pair of responses it ranks, a
    win to the better one (half a win to each when tied). Each response also gets
    `prior_strength` virtual wins and losses against a virtual response of strength 1, so that a
    response every worker put first still has a finite score (the MAP estimate under that prior;
    without it the maximum-likelihood strength of an unbeaten response is infinite). Fitted by
    Newton's method, all groups at once, until no log-strength moves by more than `tol` or after
    `n_iter` steps. No randomness.

    `fit(answer_group, rankings)`: `rankings[a, i]` is the rank answer *a* gave response *i* of
    group `answer_group[a]`; 0 (or less) marks a response the group does not have (groups with
    fewer responses than the widest one are padded). Ranks need not be dense; only their order
    counts.

    With `answer_worker` (the worker of each answer), each worker's wins are weighted by their
    reliability: the log-odds that they order a pair as the other workers of the same group
    mostly do (leave-one-out, with `agreement_prior` = (agreeing, judged) pseudo-pairs), relative
    to the median worker's. A worker at least `full_weight_from` as reliable as the median
    counts fully (so equally good workers keep exactly equal weights, and their ties stay
    ties); a less reliable one counts in proportion; one no better than chance counts nothing.

    Fitted attributes: `scores_` (groups x responses: log-strength, centred per group, rounded
    to `SCORE_DECIMALS` so that equally supported responses score exactly the same; NaN where
    a group has no such response), `wins_` (groups x responses x responses: wins of i over j),
    `n_iter_`, `converged_`, and with workers `worker_weight_`. `predict()` ranks each group's
    responses by score (1 = best, equal scores share a rank, dense).
    """

    def __init__(
        self,
        *,
        n_iter: int = 50,
        tol: float = 1e-9,
        prior_strength: float = 0.5,
        agreement_prior: tuple[float, float] = (3.0, 4.0),
        full_weight_from: float = 0.8,
    ) -> None:
        self.n_iter = n_iter
        self.tol = tol
        self.prior_strength = prior_strength
        self.agreement_prior = agreement_prior
        self.full_weight_from = full_weight_from

    def fit(
        self,
        answer_group: np.ndarray,
        rankings: np.ndarray,
        *,
        answer_worker: np.ndarray | None = None,
        n_groups: int | None = None,
    ) -> BradleyTerry:
        """Fit; with `answer_worker`, workers are weighted by how well they agree (see class)."""
        groups = np.asarray(answer_group, dtype=np.int64)
        ranks = np.asarray(rankings, dtype=np.float64)
        if ranks.ndim != 2 or ranks.shape[0] != groups.size:
            raise ValueError("rankings must be answers x responses, one row per answer_group")
        needed = int(groups.max()) + 1 if groups.size else 0
        n_groups = needed if n_groups is None else n_groups
        if n_groups < needed:
            raise ValueError("an answer_group exceeds n_groups")
        n_items = ranks.shape[1]
        present = ranks > 0
        both = present[:, :, None] & present[:, None, :]
        better = (ranks[:, :, None] < ranks[:, None, :]) & both
        tied = (ranks[:, :, None] == ranks[:, None, :]) & both
        outcome = better + 0.5 * tied
        outcome[:, np.arange(n_items), np.arange(n_items)] = 0.0
        outcome = outcome.reshape(groups.size, -1)
        has_item = np.zeros((n_groups, n_items), dtype=bool)
        has_item[groups] |= present
        weight = np.ones(groups.size)
        if answer_worker is not None:
            weight = self._worker_weights(groups, better, np.asarray(answer_worker), n_groups)
        incidence = sparse.csr_matrix(
            (weight, (groups, np.arange(groups.size))), shape=(n_groups, groups.size)
        )
        self.wins_ = np.asarray(incidence @ outcome).reshape(n_groups, n_items, n_items)
        self.scores_ = self._fit_strengths(self.wins_, has_item)
        return self

    def _worker_weights(self, groups, better, workers, n_groups) -> np.ndarray:
        """Per answer, its worker's weight (see the class), from leave-one-out agreement."""
        n_answers, n_items, _ = better.shape
        strict = better.reshape(n_answers, -1).astype(np.float64)
        incidence = sparse.csr_matrix(
            (np.ones(n_answers), (groups, np.arange(n_answers))), shape=(n_groups, n_answers))
        totals = np.asarray(incidence @ strict)[groups] - strict  # the other workers' votes
        others = totals.reshape(n_answers, n_items, n_items)
        net = others - others.transpose(0, 2, 1)
        agree = (better & (net > 0)).sum((1, 2))
        disagree = (better & (net < 0)).sum((1, 2))
        workers = workers.astype(np.int64)
        n_workers = int(workers.max()) + 1 if workers.size else 0
        agreeing = np.bincount(workers, weights=agree, minlength=n_workers)
        judged = agreeing + np.bincount(workers, weights=disagree, minlength=n_workers)
        right, total = self.agreement_prior
        rate = (agreeing + right) / (judged + total)
        log_odds = np.clip(np.log(rate / (1.0 - rate)), 0.0, None)
        typical = float(np.median(log_odds[workers])) if workers.size else 0.0
        if typical <= 0.0:
            self.worker_weight_ = np.ones(n_workers)
        else:
            relative = log_odds / typical
            self.worker_weight_ = np.where(relative >= self.full_weight_from, 1.0,
                                           np.clip(relative, 0.0, 1.0))
        return self.worker_weight_[workers]

    def _fit_strengths(self, wins: np.ndarray, has_item: np.ndarray) -> np.ndarray:
        """Newton's method on the log-strengths θ, every group's small system solved at once.

        The log-posterior is Σ_ij W_ij log σ(θ_i − θ_j) + s Σ_i [log σ(θ_i) + log σ(−θ_i)]
        (s = `prior_strength`), strictly concave thanks to the prior, so Newton's steps from
        θ = 0 converge in a handful of iterations (Hunter's MM updates need a hundred or more).
        """
        prior = self.prior_strength
        n_groups, n_items, _ = wins.shape
        games = wins + wins.transpose(0, 2, 1)
        won = wins.sum(2)
        eye = np.eye(n_items, dtype=bool)
        theta = np.zeros((n_groups, n_items))
        self.n_iter_, self.converged_ = 0, False
        for _ in range(self.n_iter):
            beats = 1.0 / (1.0 + np.exp(theta[:, None, :] - theta[:, :, None]))  # σ(θi − θj)
            against_prior = 1.0 / (1.0 + np.exp(-theta))  # σ(θi)
            gradient = won + prior - (games * beats).sum(2) - 2.0 * prior * against_prior
            curvature = games * beats * (1.0 - beats)
            hessian = curvature.copy()
            diagonal = -curvature.sum(2) - 2.0 * prior * against_prior * (1.0 - against_prior)
            hessian[:, eye] = diagonal
            # responses a group lacks: fixed at 0 by an identity row
            absent = ~has_item
            gradient[absent] = 0.0
            hessian[absent[:, :, None] & ~eye[None] | absent[:, None, :] & ~eye[None]] = 0.0
            hessian[:, eye] = np.where(absent, -1.0, hessian[:, eye])
            step = np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
            step = np.clip(step, -5.0, 5.0)  # a guard; the concave objective never needs it
            theta -= step
            self.n_iter_ += 1
            if float(np.max(np.abs(step), initial=0.0)) < self.tol:
                self.converged_ = True
                break
        counts = np.maximum(has_item.sum(1, keepdims=True), 1)
        theta -= np.where(has_item, theta, 0.0).sum(1, keepdims=True) / counts
        # Responses with the same evidence (e.g. two that each beat the other once) must score
        # exactly the same, not a rounding error apart, or a tie would read as an order.
        theta = np.round(theta, SCORE_DECIMALS)
        return np.where(has_item, theta, np.nan)

    def predict(self) -> np.ndarray:
        """Dense ranks per group (1 = best; equal scores share a rank; 0 for padding)."""
        scores = np.nan_to_num(self.scores_, nan=-np.inf)
        # rank = 1 + the number of distinct scores above it in its group
        n_items = scores.shape[1]
        higher = scores[:, None, :] > scores[:, :, None]  # [g, i, j]: j scores above i
        same = scores[:, None, :] == scores[:, :, None]
        earlier = np.tril(np.ones((n_items, n_items), dtype=bool), -1)  # [j, k]: k before j
        first_of_value = ~np.any(same & earlier, axis=2)  # no earlier response has j's score
        ranks = 1 + np.sum(higher & first_of_value[:, None, :], axis=2)
        return np.where(np.isnan(self.scores_), 0, ranks)
