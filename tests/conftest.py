import os
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# CDKD_SHARED_DATA points elsewhere, e.g. from a git worktree outside the usual layout.
SHARED_DATA = os.environ.get('CDKD_SHARED_DATA') or osp.normpath(
    osp.join(REPO_ROOT, '..', 'shared', 'data'))


@pytest.fixture(scope='session')
def shared_data():
    """Root of the licensed real samples (read in place, never copied into the project)."""
    if not osp.isdir(SHARED_DATA):
        pytest.skip(f'real sample data not found at {SHARED_DATA}')
    return SHARED_DATA


@pytest.fixture(autouse=True, scope='session')
def _cdkd_registered():
    from cdkd.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    os.environ.setdefault('OMP_NUM_THREADS', '2')
