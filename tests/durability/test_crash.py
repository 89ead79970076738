"""The crash test of issue 7: `gtemu serve --state-dir` killed with SIGKILL while workers work."""

from __future__ import annotations

from pathlib import Path

from .crash import (
    KILL_PLACES,
    CrashHarness,
    acknowledged_answers,
    labels_and_confidences,
)

OBJECTS = 30
WORKERS = 3
KILLS = 5
SEED = 3  # its kill plan has a kill in each of the three places


def test_kill_9_loses_no_acknowledged_answer_and_changes_no_output(tmp_path: Path) -> None:
    uninterrupted = CrashHarness(None, objects=OBJECTS, workers=WORKERS, kills=0,
                                 seed=SEED).execute()
    crashed = CrashHarness(tmp_path / "state", objects=OBJECTS, workers=WORKERS, kills=KILLS,
                           seed=SEED).execute()

    assert set(crashed.kills) == set(KILL_PLACES) and len(crashed.kills) == KILLS
    # After each restart, every answer acknowledged so far was there.
    assert crashed.lost_after_restart == []
    assert crashed.status == uninterrupted.status == "Completed"
    # Each acknowledged answer is in the worker-response files; an answer cut off by a kill
    # may have been kept without its acknowledgement, but no answer is there twice.
    stored = crashed.stored_answers
    assert set(acknowledged_answers(crashed)) <= set(stored)
    assert len(stored) == len(set(stored)) == OBJECTS * WORKERS
    assert sorted(stored) == sorted(uninterrupted.stored_answers)
    # The same labels and confidences as the run that was never interrupted.
    assert labels_and_confidences(crashed.output) == labels_and_confidences(uninterrupted.output)
    assert len(crashed.output) == OBJECTS
