"""Bradley–Terry rank aggregation: known orders recovered, ties and missing responses."""

from __future__ import annotations

import numpy as np

from consolidation.rankings import BradleyTerry


def mean_kendall_tau(first: np.ndarray, second: np.ndarray) -> float:
    """Kendall's tau between each row of `first` and the same row of `second`, averaged. The
    rows here hold no ties, where this pair count equals scipy's `kendalltau` (whose import
    alone costs each test worker a second, and whose loop over rows another two)."""
    i, j = np.triu_indices(first.shape[1], 1)
    return float(np.mean(np.sign(first[:, i] - first[:, j]) * np.sign(second[:, i] - second[:, j])))


def test_unanimous_split_and_tied_groups():
    rankings = np.array([
        [1, 2, 3], [1, 2, 3], [1, 2, 3],  # group 0: three workers agree
        [1, 2, 3], [2, 1, 3], [1, 2, 3],  # group 1: a split vote on the first two
        [1, 2, 0], [2, 1, 0],  # group 2: two responses, one vote each way
        [1, 1, 2],  # group 3: a tie
    ])
    model = BradleyTerry().fit([0, 0, 0, 1, 1, 1, 2, 2, 3], rankings)
    scores = model.scores_
    assert scores[0, 0] > scores[0, 1] > scores[0, 2]
    assert np.all(np.isfinite(scores[0]))  # an unbeaten response still has a finite score
    assert scores[1, 0] > scores[1, 1] > scores[1, 2]
    assert scores[1, 0] - scores[1, 1] < scores[0, 0] - scores[0, 1]  # a split is a closer call
    assert scores[2, 0] == scores[2, 1] and np.isnan(scores[2, 2])
    assert abs(scores[3, 0] - scores[3, 1]) < 1e-9
    assert model.predict().tolist() == [[1, 2, 3], [1, 2, 3], [1, 1, 0], [1, 1, 2]]
    assert model.converged_
    assert np.allclose(np.nansum(scores, axis=1), 0.0)  # centred per group


def test_recovers_hidden_orders_better_than_one_worker():
    rng = np.random.default_rng(0)
    groups, workers, responses = 2000, 5, 4
    utility = rng.normal(size=(groups, responses))
    perceived = utility[:, None, :] + rng.gumbel(size=(groups, workers, responses))
    ranks = (-perceived).argsort(-1).argsort(-1) + 1
    model = BradleyTerry().fit(np.repeat(np.arange(groups), workers), ranks.reshape(-1, responses))
    aggregated = mean_kendall_tau(utility, model.scores_)
    single = mean_kendall_tau(utility, -ranks[:, 0])
    assert aggregated > single + 0.15


def test_order_of_answers_changes_nothing():
    rng = np.random.default_rng(1)
    ranks = rng.permuted(np.tile(np.arange(1, 5), (30, 1)), axis=1)
    groups = np.repeat(np.arange(10), 3)
    order = rng.permutation(30)
    first = BradleyTerry().fit(groups, ranks).scores_
    second = BradleyTerry().fit(groups[order], ranks[order]).scores_
    assert np.allclose(first, second)


def test_a_random_ranker_is_given_no_weight():
    rng = np.random.default_rng(2)
    groups, responses = 1500, 4
    utility = rng.normal(size=(groups, responses))
    careful = utility[:, None, :] + rng.gumbel(size=(groups, 2, responses))
    spammer = rng.normal(size=(groups, 1, responses)) * 100
    perceived = np.concatenate([careful, spammer], axis=1)
    ranks = ((-perceived).argsort(-1).argsort(-1) + 1).reshape(-1, responses)
    answer_group = np.repeat(np.arange(groups), 3)
    answer_worker = np.tile(np.arange(3), groups)

    def tau(model):
        return mean_kendall_tau(utility, model.scores_)

    plain = BradleyTerry().fit(answer_group, ranks)
    weighted = BradleyTerry().fit(answer_group, ranks, answer_worker=answer_worker)
    assert weighted.worker_weight_[:2].tolist() == [1.0, 1.0]
    assert weighted.worker_weight_[2] < 0.15
    assert tau(weighted) > tau(plain) + 0.03


def test_equally_good_workers_keep_equal_weights():
    rng = np.random.default_rng(3)
    utility = rng.normal(size=(500, 4))
    perceived = utility[:, None, :] + rng.gumbel(size=(500, 3, 4))
    ranks = ((-perceived).argsort(-1).argsort(-1) + 1).reshape(-1, 4)
    groups = np.repeat(np.arange(500), 3)
    weighted = BradleyTerry().fit(groups, ranks, answer_worker=np.tile(np.arange(3), 500))
    assert weighted.worker_weight_.tolist() == [1.0, 1.0, 1.0]
    assert np.array_equal(weighted.scores_, BradleyTerry().fit(groups, ranks).scores_)
