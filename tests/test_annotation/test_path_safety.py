import os

import pytest

from .conftest import FLASK_MISSING

pytest.importorskip('flask', reason=FLASK_MISSING)

from cdkd.annotation.path_safety import UnsafePathError, is_inside  # noqa: E402
from cdkd.annotation.path_safety import plain_file_name, resolve_inside  # noqa: E402


def test_resolve_inside_accepts_paths_below_root(tmp_path):
    (tmp_path / 'A').mkdir()
    assert resolve_inside(str(tmp_path), 'A/x.png') == str(tmp_path.resolve() / 'A' / 'x.png')
    assert resolve_inside(str(tmp_path), './A//x.png') == str(tmp_path.resolve() / 'A' / 'x.png')


@pytest.mark.parametrize('path', ['../x', 'A/../../x', 'A/..', '/etc/passwd', '', 'A\\..\\x',
                                  'A/x\x00.png'])
def test_resolve_inside_refuses_escapes(tmp_path, path):
    with pytest.raises(UnsafePathError):
        resolve_inside(str(tmp_path), path)


def test_symlink_out_of_root_is_refused(tmp_path):
    root, outside = tmp_path / 'root', tmp_path / 'outside'
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / 'link')
    os.symlink(root / 'A', root / 'inner')  # a symlink that stays inside is fine
    assert not is_inside(str(root), str(root / 'link' / 'f.png'))
    with pytest.raises(UnsafePathError, match='outside'):
        resolve_inside(str(root), 'link/f.png')
    assert resolve_inside(str(root), 'inner/f.png') == str(root.resolve() / 'A' / 'f.png')


@pytest.mark.parametrize('name', ['', '.hidden', 'a/b.png', '..', 'a\\b.png'])
def test_plain_file_name_refuses_folders_and_hidden(name):
    with pytest.raises(UnsafePathError):
        plain_file_name(name)
    assert plain_file_name('x 1.png') == 'x 1.png'
