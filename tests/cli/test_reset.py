"""`gtemu reset` clears only gtemu's files, and never under a running gtemu serve."""

from __future__ import annotations

from emulator.cli import main
from emulator.store import Journal


def test_reset_clears_a_stopped_servers_state_and_keeps_other_files(tmp_path, capsys):
    journal = Journal(tmp_path)
    journal.close()
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["reset", "--state-dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert f"cleared the state in {tmp_path}" in capsys.readouterr().out


def test_reset_refuses_while_the_state_is_in_use(tmp_path, capsys):
    journal = Journal(tmp_path)
    try:
        assert main(["reset", "--state-dir", str(tmp_path)]) == 1
        assert "a gtemu serve is using" in capsys.readouterr().err
        assert (tmp_path / "gtemu.sqlite3").is_file()
    finally:
        journal.close()


def test_reset_of_an_empty_place_changes_nothing(tmp_path, capsys):
    assert main(["reset", "--state-dir", str(tmp_path / "never-used")]) == 0
    assert "nothing to clear" in capsys.readouterr().out
    assert not (tmp_path / "never-used").exists()
