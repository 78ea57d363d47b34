"""The awards app builds on the directory and the tracker; neither of them imports it."""

from tests.ess_portal.test_structure import _first_party_imports


def test_neither_the_directory_nor_the_tracker_imports_the_awards():
    for module, targets in _first_party_imports().items():
        # `load_demo` is the one wiring point: its list of demo loaders names every app's.
        if module.startswith(("directory", "projects")) and module != "projects.management.commands.load_demo":
            assert not [t for t in targets if t.startswith("awards")], module
