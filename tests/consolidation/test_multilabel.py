import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from consolidation.multilabel import MultiLabelDawidSkene


def fit(answers, n_labels=4, n_objects=None, n_workers=None, **options):
    """`answers`: (object, worker, [labels]) triples."""
    objects = [obj for obj, _, _ in answers]
    workers = [worker for _, worker, _ in answers]
    selection_answer = [a for a, (_, _, labels) in enumerate(answers) for _ in labels]
    selection_label = [label for _, _, labels in answers for label in labels]
    return MultiLabelDawidSkene(**options).fit(
        objects, workers, selection_answer, selection_label,
        n_labels=n_labels, n_objects=n_objects, n_workers=n_workers,
    )


def test_unanimous_labels_are_probable_and_the_others_are_not():
    model = fit([(0, w, [0, 2]) for w in range(3)])
    posteriors = model.predict_proba()[0]
    assert posteriors[0] > 0.9 and posteriors[2] > 0.9
    assert posteriors[1] < 0.1 and posteriors[3] < 0.1
    assert model.converged_


def test_a_split_vote_follows_the_majority():
    answers = [(0, 0, [0, 1]), (0, 1, [0, 1]), (0, 2, [0])]
    posteriors = fit(answers).predict_proba()[0]
    assert posteriors[0] > posteriors[1] > 0.5 > posteriors[2]


def test_one_worker_gives_well_defined_posteriors():
    posteriors = fit([(0, 0, [1])]).predict_proba()[0]
    assert np.all((posteriors > 0) & (posteriors < 1))
    assert posteriors[1] > posteriors[0]


def test_all_workers_agreeing_on_nothing_gives_no_probable_label():
    posteriors = fit([(0, w, []) for w in range(3)]).predict_proba()
    assert np.all(posteriors < 0.1)


def test_a_label_nobody_chose_stays_improbable_everywhere():
    answers = [(obj, w, [obj % 3]) for obj in range(6) for w in range(3)]
    model = fit(answers)
    assert np.all(model.predict_proba()[:, 3] < 0.05)
    assert model.prevalence_[3] < model.prevalence_[0]


def test_a_spammer_among_good_workers_is_found_and_outvoted():
    rng = np.random.default_rng(1)
    n_objects, n_labels = 200, 6
    truth = rng.random((n_objects, n_labels)) < 0.3
    answers = []
    for obj in range(n_objects):
        for worker in range(4):  # good workers: 90 % sensitivity, 2 % false positives
            noisy = np.where(truth[obj], rng.random(n_labels) < 0.9, rng.random(n_labels) < 0.02)
            answers.append((obj, worker, list(np.flatnonzero(noisy))))
        answers.append((obj, 4, list(rng.choice(n_labels, 3, replace=False))))  # spammer
    model = fit(answers, n_labels=n_labels)
    good_sensitivity = model.pooled_sensitivity_[:4]
    assert model.pooled_sensitivity_[4] < good_sensitivity.min()
    assert model.pooled_specificity_[4] < model.pooled_specificity_[:4].min()
    accuracy = (model.predict() == truth).all(1).mean()
    votes = np.zeros((n_objects, n_labels))
    for obj, _, labels in answers:
        votes[obj, labels] += 1
    majority_accuracy = ((votes > 2.5) == truth).all(1).mean()
    assert accuracy >= majority_accuracy
    assert accuracy > 0.9


def test_fitted_attributes_have_the_documented_shapes():
    model = fit([(0, 0, [0]), (1, 1, [1]), (1, 0, [])], n_labels=4)
    assert model.posteriors_.shape == (2, 4)
    assert model.sensitivity_.shape == model.specificity_.shape == (2, 4)
    assert model.prevalence_.shape == (4,)
    assert 1 <= model.n_iter_ <= 100


crowds = st.lists(
    st.tuples(
        st.integers(0, 5), st.integers(0, 4), st.lists(st.integers(0, 3), max_size=4, unique=True)
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=30, deadline=None)
@given(crowds)
def test_posteriors_are_probabilities(answers):
    posteriors = fit(answers).predict_proba()
    assert np.all((posteriors >= 0) & (posteriors <= 1))


@settings(max_examples=25, deadline=None)
@given(crowds, st.randoms(use_true_random=False))
def test_permuting_answers_workers_and_objects_changes_nothing(answers, random):
    object_map = list(range(6))
    worker_map = list(range(5))
    random.shuffle(object_map)
    random.shuffle(worker_map)
    shuffled = [(object_map[obj], worker_map[w], labels) for obj, w, labels in answers]
    random.shuffle(shuffled)
    original = fit(answers, n_objects=6, n_workers=5).predict_proba()
    permuted = fit(shuffled, n_objects=6, n_workers=5).predict_proba()
    np.testing.assert_allclose(permuted[object_map], original, atol=1e-4)  # far below 0.01


@settings(max_examples=20, deadline=None)
@given(crowds)
def test_fitting_twice_gives_identical_results(answers):
    first, second = fit(answers), fit(answers)
    assert np.array_equal(first.predict_proba(), second.predict_proba())
    assert np.array_equal(first.sensitivity_, second.sensitivity_)


def test_float32_tables_give_the_float64_posteriors_on_a_large_crowd():
    # Over 1,024 objects the per-worker sums run in several float32 blocks.
    rng = np.random.default_rng(3)
    n_objects, n_labels, n_workers = 5000, 8, 40
    truth = rng.random((n_objects, n_labels)) < 0.2
    answer_object = np.repeat(np.arange(n_objects), 4)
    answer_worker = rng.integers(0, n_workers, answer_object.size)
    noisy = np.where(
        truth[answer_object],
        rng.random((answer_object.size, n_labels)) < 0.85,
        rng.random((answer_object.size, n_labels)) < 0.03,
    )
    selection_answer, selection_label = np.nonzero(noisy)
    fits = [
        MultiLabelDawidSkene(dtype=dtype).fit(
            answer_object, answer_worker, selection_answer, selection_label, n_labels=n_labels
        )
        for dtype in (np.float32, np.float64)
    ]
    np.testing.assert_allclose(fits[0].posteriors_, fits[1].posteriors_, atol=1e-4)
    np.testing.assert_allclose(fits[0].sensitivity_, fits[1].sensitivity_, atol=1e-4)
    assert (fits[0].predict() == truth).all(1).mean() > 0.9
