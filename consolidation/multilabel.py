"""Per-label binary Dawid–Skene with hierarchical shrinkage of worker rates (spec §6.3)."""

from __future__ import annotations

import numpy as np

from consolidation._grouping import cell_sums, grouped_row_sums

_LOGIT_LIMIT = 35.0


class MultiLabelDawidSkene:
    """Posterior probability of every label of every object from workers' selected sets.

    One binary Dawid–Skene model per label; each worker has a sensitivity and a false-positive
    rate per label, shrunk toward the worker's rates pooled over all labels, which are in turn
    shrunk toward population priors. EM with posterior-mean M-steps; no randomness.

    Answers are given as flat arrays: answer *a* is worker `answer_worker[a]` on object
    `answer_object[a]`; `(selection_answer[s], selection_label[s])` says that answer
    `selection_answer[s]` selected label `selection_label[s]`. An answer with no selection
    selected nothing.

    Fitted attributes: `posteriors_` (objects x labels), `sensitivity_` and `specificity_`
    (workers x labels), `pooled_sensitivity_` and `pooled_specificity_` (workers),
    `prevalence_` (labels), `n_iter_`, `converged_`.
    """

    def __init__(
        self,
        *,
        n_iter: int = 100,
        tol: float = 1e-6,
        sensitivity_prior: tuple[float, float] = (0.8, 10.0),
        false_positive_prior: tuple[float, float] = (0.05, 20.0),
        shrinkage: float = 8.0,
        min_rate: float = 1e-3,
    ) -> None:
        self.n_iter = n_iter
        self.tol = tol
        self.sensitivity_prior = sensitivity_prior
        self.false_positive_prior = false_positive_prior
        self.shrinkage = shrinkage
        self.min_rate = min_rate

    def fit(
        self,
        answer_object: np.ndarray,
        answer_worker: np.ndarray,
        selection_answer: np.ndarray,
        selection_label: np.ndarray,
        *,
        n_labels: int,
        n_objects: int | None = None,
        n_workers: int | None = None,
    ) -> MultiLabelDawidSkene:
        data = _Answers(
            answer_object, answer_worker, selection_answer, selection_label,
            n_labels, n_objects, n_workers,
        )
        posteriors = data.vote_shares()
        self.n_iter_ = 0
        self.converged_ = False
        for _ in range(self.n_iter):
            self._m_step(data, posteriors)
            updated = self._e_step(data)
            change = float(np.max(np.abs(updated - posteriors), initial=0.0))
            posteriors = updated
            self.n_iter_ += 1
            if change < self.tol:
                self.converged_ = True
                break
        self.posteriors_ = posteriors
        self.specificity_ = 1.0 - self._false_positive
        return self

    def predict_proba(self) -> np.ndarray:
        """Posterior probability that each label is true, objects x labels."""
        return self.posteriors_

    def fit_predict_proba(self, *args, **kwargs) -> np.ndarray:
        return self.fit(*args, **kwargs).predict_proba()

    def predict(self, threshold: float = 0.5) -> np.ndarray:
        """Boolean label matrix: posterior at least `threshold`."""
        return self.posteriors_ >= threshold

    def _m_step(self, data: _Answers, posteriors: np.ndarray) -> None:
        hits_true = cell_sums(
            data.selection_worker, data.selection_label,
            posteriors[data.selection_object, data.selection_label], data.worker_shape,
        )
        mass_true = grouped_row_sums(
            posteriors, data.object_by_worker, data.worker_by_worker, data.n_workers
        )
        hits_false = data.selection_counts - hits_true
        mass_false = data.answers_per_worker[:, None] - mass_true

        mean_s, strength_s = self.sensitivity_prior
        mean_f, strength_f = self.false_positive_prior
        pooled_s = (hits_true.sum(1) + strength_s * mean_s) / (mass_true.sum(1) + strength_s)
        pooled_f = (hits_false.sum(1) + strength_f * mean_f) / (mass_false.sum(1) + strength_f)
        kappa = self.shrinkage
        sensitivity = (hits_true + kappa * pooled_s[:, None]) / (mass_true + kappa)
        false_positive = (hits_false + kappa * pooled_f[:, None]) / (mass_false + kappa)

        low, high = self.min_rate, 1.0 - self.min_rate
        self.pooled_sensitivity_ = pooled_s
        self.pooled_specificity_ = 1.0 - pooled_f
        self.sensitivity_ = np.clip(sensitivity, low, high)
        self._false_positive = np.clip(false_positive, low, high)
        self.prevalence_ = (posteriors.sum(0) + 1.0) / (data.n_objects + 2.0)

    def _e_step(self, data: _Answers) -> np.ndarray:
        s, f = self.sensitivity_, self._false_positive
        not_selected = np.log1p(-s) - np.log1p(-f)
        selected_extra = np.log(s) - np.log(f) - not_selected
        prevalence = self.prevalence_
        logits = grouped_row_sums(
            not_selected, data.answer_worker, data.answer_object, data.n_objects
        )
        logits += cell_sums(
            data.selection_object, data.selection_label,
            selected_extra[data.selection_worker, data.selection_label], data.object_shape,
        )
        logits += np.log(prevalence) - np.log1p(-prevalence)
        np.clip(logits, -_LOGIT_LIMIT, _LOGIT_LIMIT, out=logits)
        return 1.0 / (1.0 + np.exp(-logits))


class _Answers:
    """Answers in canonical order (by object, then worker) with the derived index arrays."""

    def __init__(
        self,
        answer_object: np.ndarray,
        answer_worker: np.ndarray,
        selection_answer: np.ndarray,
        selection_label: np.ndarray,
        n_labels: int,
        n_objects: int | None,
        n_workers: int | None,
    ) -> None:
        answer_object = np.asarray(answer_object, dtype=np.int64)
        answer_worker = np.asarray(answer_worker, dtype=np.int64)
        selection_answer = np.asarray(selection_answer, dtype=np.int64)
        selection_label = np.asarray(selection_label, dtype=np.int64)
        if answer_object.shape != answer_worker.shape:
            raise ValueError("answer_object and answer_worker must have the same length")
        if selection_answer.shape != selection_label.shape:
            raise ValueError("selection_answer and selection_label must have the same length")
        if selection_label.size and not (
            0 <= selection_label.min() and selection_label.max() < n_labels
        ):
            raise ValueError("selection_label holds an index outside [0, n_labels)")

        order = np.lexsort((answer_worker, answer_object))
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        self.answer_object = answer_object[order]
        self.answer_worker = answer_worker[order]
        selection_answer = rank[selection_answer]
        selection_order = np.lexsort((selection_label, selection_answer))
        selection_answer = selection_answer[selection_order]

        self.n_labels = n_labels
        self.n_objects = _count(n_objects, self.answer_object)
        self.n_workers = _count(n_workers, self.answer_worker)
        self.object_shape = (self.n_objects, n_labels)
        self.worker_shape = (self.n_workers, n_labels)
        self.selection_label = selection_label[selection_order]
        self.selection_object = self.answer_object[selection_answer]
        self.selection_worker = self.answer_worker[selection_answer]

        by_worker = np.argsort(self.answer_worker, kind="stable")
        self.object_by_worker = self.answer_object[by_worker]
        self.worker_by_worker = self.answer_worker[by_worker]
        self.answers_per_object = np.bincount(self.answer_object, minlength=self.n_objects)
        self.answers_per_worker = np.bincount(self.answer_worker, minlength=self.n_workers)
        ones = np.ones(self.selection_label.size)
        self.selection_counts = cell_sums(
            self.selection_worker, self.selection_label, ones, self.worker_shape
        )
        self._object_counts = cell_sums(
            self.selection_object, self.selection_label, ones, self.object_shape
        )

    def vote_shares(self) -> np.ndarray:
        answers = np.maximum(self.answers_per_object, 1)[:, None]
        return self._object_counts / answers


def _count(given: int | None, indices: np.ndarray) -> int:
    needed = int(indices.max()) + 1 if indices.size else 0
    if given is None:
        return needed
    if given < needed:
        raise ValueError("an index exceeds the given number of objects or workers")
    return given
