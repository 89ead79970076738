import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from consolidation.multiclass import DawidSkene


def fit(answers, n_classes=3, **shape):
    """`answers`: (object, worker, class) triples."""
    objects, workers, labels = zip(*answers, strict=True)
    return DawidSkene().fit(objects, workers, labels, n_classes=n_classes, **shape)


def test_unanimous_answers_give_a_confident_class():
    model = fit([(0, w, 2) for w in range(3)])
    assert model.predict().tolist() == [2]
    assert model.predict_proba()[0, 2] > 0.9


def test_a_split_vote_goes_to_the_majority_with_less_confidence():
    model = fit([(0, 0, 1), (0, 1, 1), (0, 2, 0), (1, 0, 2), (1, 1, 2), (1, 2, 2)])
    assert model.predict().tolist() == [1, 2]
    assert model.predict_proba()[0, 1] < model.predict_proba()[1, 2]


def test_an_exact_tie_goes_to_the_lower_class_index():
    model = fit([(0, 0, 2), (0, 1, 1)])
    assert model.predict().tolist() == [1]


def test_one_answer_gives_its_class():
    model = fit([(0, 0, 1)])
    assert model.predict().tolist() == [1]


def test_a_spammer_gets_a_low_accuracy_and_is_outvoted():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 4, 300)
    answers = []
    for obj, true_class in enumerate(truth):
        for worker in range(3):
            wrong = rng.random() > 0.85
            answers.append((obj, worker, int(rng.integers(0, 4)) if wrong else int(true_class)))
        answers.append((obj, 3, int(rng.integers(0, 4))))
        answers.append((obj, 4, int(rng.integers(0, 4))))
    model = fit(answers, n_classes=4)
    assert model.accuracy_[3:].max() < model.accuracy_[:3].min()
    assert (model.predict() == truth).mean() > 0.9
    assert model.confusion_.shape == (5, 4, 4)
    np.testing.assert_allclose(model.confusion_.sum(2), 1.0, atol=1e-5)


crowds = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 4), st.integers(0, 2)), min_size=1, max_size=30
)


@settings(max_examples=30, deadline=None)
@given(crowds)
def test_posteriors_are_distributions(answers):
    posteriors = fit(answers).predict_proba()
    assert np.all((posteriors >= 0) & (posteriors <= 1))
    np.testing.assert_allclose(posteriors.sum(1), 1.0)


@settings(max_examples=25, deadline=None)
@given(crowds, st.randoms(use_true_random=False))
def test_permuting_answers_workers_and_objects_changes_nothing(answers, random):
    object_map, worker_map = list(range(6)), list(range(5))
    random.shuffle(object_map)
    random.shuffle(worker_map)
    shuffled = [(object_map[obj], worker_map[w], label) for obj, w, label in answers]
    random.shuffle(shuffled)
    original = fit(answers, n_objects=6, n_workers=5)
    permuted = fit(shuffled, n_objects=6, n_workers=5)
    np.testing.assert_allclose(
        permuted.predict_proba()[object_map], original.predict_proba(), atol=1e-9
    )
    answered = sorted({obj for obj, _, _ in answers})
    assert permuted.predict()[[object_map[o] for o in answered]].tolist() == (
        original.predict()[answered].tolist()
    )
