"""A selection handed from one page to the next through the session."""

from types import SimpleNamespace

from coe_portal.core.selections import KEPT, stash_selection, stashed_selection


def test_a_stashed_selection_reads_back_by_its_key_only():
    request = SimpleNamespace(session={})
    key = stash_selection(request, apps=[3, 1, 3], flows=[7])
    assert stashed_selection(request, key) == {"app": [1, 3], "flow": [7]}
    assert stashed_selection(request, "guessed") is None and stashed_selection(request, "") is None
    assert stashed_selection(SimpleNamespace(session={}), key) is None  # another user's session


def test_only_the_newest_selections_are_kept():
    request = SimpleNamespace(session={})
    keys = [stash_selection(request, apps=[n], flows=[]) for n in range(KEPT + 2)]
    assert [stashed_selection(request, key) is not None for key in keys] == [False, False] + [True] * KEPT
