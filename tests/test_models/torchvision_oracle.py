"""torchvision's own float-tensor colour/blur code as a test oracle.

Where torchvision imports (users' machines with PyPI's torch), its ``transforms`` are used
directly. Where it does not (a local CPU torch wheel: 'operator torchvision::nms does not exist'),
the pure-Python ``torchvision/transforms/_functional_tensor.py`` (it only needs torch) is extracted
from a torchvision wheel (``$CDKD_TORCHVISION_WHEEL`` or ``/opt/pypi-more/files/torchvision-*.whl``)
and imported by path; without either the caller skips.
"""
import glob
import importlib.util
import os
import zipfile

import pytest

MEMBER = 'torchvision/transforms/_functional_tensor.py'


def torchvision_transforms():
    """``torchvision.transforms`` or None."""
    try:
        import torchvision.transforms as T
    except Exception:  # not installed, or built for another torch
        return None
    return T


def functional_tensor(tmp_dir):
    """torchvision's ``_functional_tensor`` module, or skip with the reason."""
    try:
        from torchvision.transforms import _functional_tensor as F_t
        return F_t
    except Exception as err:
        reason = f'torchvision not importable ({type(err).__name__}: {err})'
    wheels = [os.environ['CDKD_TORCHVISION_WHEEL']] if os.environ.get(
        'CDKD_TORCHVISION_WHEEL') else sorted(glob.glob('/opt/pypi-more/files/torchvision-*.whl'))
    for wheel in wheels:
        try:
            with zipfile.ZipFile(wheel) as zf:
                path = zf.extract(MEMBER, str(tmp_dir))
        except (KeyError, OSError, zipfile.BadZipFile):
            continue
        spec = importlib.util.spec_from_file_location('tv_functional_tensor', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    pytest.skip(f'{reason}, and no torchvision wheel to read {MEMBER} from '
                '(set CDKD_TORCHVISION_WHEEL)')
