"""Multi-class Dawid–Skene with confusion matrices shrunk toward a one-coin model
(docs/consolidation.md#the-estimators)."""

from __future__ import annotations

import numpy as np

from consolidation._grouping import cell_sums


class DawidSkene:
    """Posterior class probabilities of objects from single-label answers.

    Each worker has a confusion matrix Θ_w[c, k] = P(answers k | true class c), estimated with
    pseudo-counts toward a one-coin matrix built from the worker's own pooled accuracy, which is
    itself held near a population prior. EM from vote shares; no randomness.

    Answer *a* is worker `answer_worker[a]` choosing class `answer_label[a]` on object
    `answer_object[a]`.

    Fitted attributes: `posteriors_` (objects x classes), `confusion_` (workers x classes x
    classes), `accuracy_` (workers), `prior_` (classes), `n_iter_`, `converged_`.
    """

    def __init__(
        self,
        *,
        n_iter: int = 100,
        tol: float = 1e-6,
        accuracy_prior: tuple[float, float] = (0.8, 10.0),
        shrinkage: float = 8.0,
    ) -> None:
        self.n_iter = n_iter
        self.tol = tol
        self.accuracy_prior = accuracy_prior
        self.shrinkage = shrinkage

    def fit(
        self,
        answer_object: np.ndarray,
        answer_worker: np.ndarray,
        answer_label: np.ndarray,
        *,
        n_classes: int,
        n_objects: int | None = None,
        n_workers: int | None = None,
    ) -> DawidSkene:
        objects, workers, labels = _canonical(answer_object, answer_worker, answer_label)
        if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
            raise ValueError("answer_label holds an index outside [0, n_classes)")
        n_objects = _count(n_objects, objects)
        n_workers = _count(n_workers, workers)
        self.votes_ = cell_sums(objects, labels, np.ones(labels.size), (n_objects, n_classes))
        posteriors = self.votes_ / np.maximum(self.votes_.sum(1, keepdims=True), 1.0)
        self.n_iter_ = 0
        self.converged_ = False
        for _ in range(self.n_iter):
            self._m_step(posteriors, objects, workers, labels, n_workers)
            updated = self._e_step(objects, workers, labels, n_objects)
            change = float(np.max(np.abs(updated - posteriors), initial=0.0))
            posteriors = updated
            self.n_iter_ += 1
            if change < self.tol:
                self.converged_ = True
                break
        self.posteriors_ = posteriors
        return self

    def predict_proba(self) -> np.ndarray:
        return self.posteriors_

    def fit_predict_proba(self, *args, **kwargs) -> np.ndarray:
        return self.fit(*args, **kwargs).predict_proba()

    def predict(self) -> np.ndarray:
        """Most probable class per object; near-ties go to more votes, then the lower index."""
        posteriors = self.posteriors_
        best = posteriors.max(1, keepdims=True)
        tied = posteriors >= best - 1e-12
        votes = np.where(tied, self.votes_, -1.0)
        return np.argmax(votes, axis=1)  # argmax takes the lowest index among equal votes

    def _m_step(self, posteriors, objects, workers, labels, n_workers) -> None:
        n_objects, n_classes = posteriors.shape
        self.prior_ = (posteriors.sum(0) + 1.0) / (n_objects + n_classes)
        mean, strength = self.accuracy_prior
        answers_per_worker = np.bincount(workers, minlength=n_workers)
        correct = np.bincount(workers, weights=posteriors[objects, labels], minlength=n_workers)
        accuracy = (correct + strength * mean) / (answers_per_worker + strength)
        # counts[w, c, k] = sum over w's answers of posteriors[object, c] * [answer == k]
        worker_class_rows = (workers[:, None] * n_classes + np.arange(n_classes)).ravel()
        counts = cell_sums(
            worker_class_rows, np.repeat(labels, n_classes),
            posteriors[objects].ravel(), (n_workers * n_classes, n_classes),
        ).reshape(n_workers, n_classes, n_classes)
        off_diagonal = (1.0 - accuracy) / max(n_classes - 1, 1)
        one_coin = np.broadcast_to(
            off_diagonal[:, None, None], counts.shape
        ).copy()
        diagonal = np.arange(n_classes)
        one_coin[:, diagonal, diagonal] = accuracy[:, None]
        kappa = self.shrinkage
        confusion = (counts + kappa * one_coin) / (counts.sum(2, keepdims=True) + kappa)
        self.accuracy_ = accuracy
        self.confusion_ = np.clip(confusion, 1e-6, 1.0)

    def _e_step(self, objects, workers, labels, n_objects) -> np.ndarray:
        n_classes = self.prior_.size
        log_likelihood = np.log(self.confusion_[workers, :, labels])  # answers x classes
        log_posterior = cell_sums(
            np.repeat(objects, n_classes), np.tile(np.arange(n_classes), objects.size),
            log_likelihood.ravel(), (n_objects, n_classes),
        )
        log_posterior += np.log(self.prior_)
        log_posterior -= log_posterior.max(1, keepdims=True)
        posterior = np.exp(log_posterior)
        return posterior / posterior.sum(1, keepdims=True)


def _canonical(answer_object, answer_worker, answer_label):
    objects = np.asarray(answer_object, dtype=np.int64)
    workers = np.asarray(answer_worker, dtype=np.int64)
    labels = np.asarray(answer_label, dtype=np.int64)
    if not objects.shape == workers.shape == labels.shape:
        raise ValueError("answer_object, answer_worker and answer_label must have the same length")
    order = np.lexsort((labels, workers, objects))
    return objects[order], workers[order], labels[order]


def _count(given: int | None, indices: np.ndarray) -> int:
    needed = int(indices.max()) + 1 if indices.size else 0
    if given is None:
        return needed
    if given < needed:
        raise ValueError("an index exceeds the given number of objects or workers")
    return given
