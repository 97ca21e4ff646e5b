import pytest

from cdkd.utils.script_loader import load_script


def test_load_script_runs_the_file_fresh_and_names_a_missing_one(tmp_path):
    script = tmp_path / 'my_tool.py'
    script.write_text('CALLS = []\nCALLS.append(1)\n')
    first, second = load_script(str(script)), load_script(str(script), 'other')
    assert (first.__name__, second.__name__) == ('my_tool', 'other')
    assert first.CALLS == [1] and first is not second
    with pytest.raises(FileNotFoundError, match='missing.py not found'):
        load_script(str(tmp_path / 'missing.py'))
