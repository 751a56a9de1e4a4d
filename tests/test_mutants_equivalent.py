"""The equivalent mutants listed in ``tests/mutants_equivalent.txt`` still exist.

``scripts/mutants.py`` leaves them out of the mutation score; an entry whose
line of code changed since would silently stop matching anything.
"""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SPEC = importlib.util.spec_from_file_location("mutants", ROOT / "scripts" / "mutants.py")
mutants = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(mutants)


def test_every_equivalent_mutant_still_exists_and_says_why():
    listed = mutants.read_equivalents()
    assert listed
    current = [m for target in mutants.TARGETS.values() for m in mutants.generate_target(target)]
    assert mutants.stale_equivalents(listed, current) == []
    assert [key for key, reason in listed.items() if not reason] == []


def test_mutant_keys_are_unique_and_name_the_change():
    for target in mutants.TARGETS.values():
        generated = mutants.generate_target(target)
        assert len({m.key for m in generated}) == len(generated)
        assert all(m.line != m.mutated_line for m in generated)
