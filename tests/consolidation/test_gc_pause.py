"""consolidation.sources.garbage_collection_paused: what it leaves of the collector's state.

Each case runs in a fresh interpreter: this test session has frozen its own heap
(tests/conftest.py), and the cases need a process with nothing frozen, or with a known part.
"""

from __future__ import annotations

import json
import subprocess
import sys

CASES = r"""
import gc, json
from consolidation.sources import _MANY_OBJECTS, garbage_collection_paused

def keep(count):
    with garbage_collection_paused():
        kept = [[index] for index in range(count)]
        assert not gc.isenabled()
    return kept

def oldest_generation_holds(thing):
    return any(item is thing for item in gc.get_objects(generation=2))

results = {}
gc.collect()  # all counts at zero: no collection of an older generation comes by chance
kept = keep(_MANY_OBJECTS * 2)
results["many, nothing frozen"] = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
                                   "oldest": oldest_generation_holds(kept[-1])}
del kept
gc.collect()
mine = [[index] for index in range(1000)]
gc.freeze()
frozen = gc.get_freeze_count()
kept = keep(_MANY_OBJECTS * 2)
results["many, some frozen"] = {"enabled": gc.isenabled(),
                                "thawed": frozen - gc.get_freeze_count()}
gc.disable()
keep(10)
results["collector was off"] = {"enabled": gc.isenabled()}
print(json.dumps(results))
"""


def test_the_pause_ends_as_it_began_and_thaws_nothing_it_did_not_freeze() -> None:
    run = subprocess.run([sys.executable, "-c", CASES], capture_output=True, text=True,
                         check=True)
    results = json.loads(run.stdout)
    many = results["many, nothing frozen"]
    # What the block kept went straight to the oldest generation: the next allocation does not
    # start with a young generation of 200,000 objects to traverse.
    assert many == {"enabled": True, "frozen": 0, "oldest": True}
    # A heap the program froze itself stays frozen.
    assert results["many, some frozen"] == {"enabled": True, "thawed": 0}
    assert results["collector was off"] == {"enabled": False}
