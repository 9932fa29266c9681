"""Result-name lists of the spf condition: the 4.83 names keep their meaning."""

from acl.spf.process import matches


def test_old_names_map_to_current_results() -> None:
    assert matches("permerror", "err_perm") and matches("temperror", "err_temp")
    assert not matches("temperror", "err_perm") and not matches("permerror", "err_temp")
    assert not matches("permerror", "!err_perm") and matches("pass", "!err_perm")


def test_first_item_that_holds_decides() -> None:
    assert matches("fail", "pass : fail") and not matches("fail", "pass : softfail")
    assert matches("fail", "!pass") and not matches("pass", "!pass")
