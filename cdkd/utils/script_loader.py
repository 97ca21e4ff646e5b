"""Import a tool script (``tools/...py``, not a package module) by its path."""
import importlib.util
import os.path as osp
from types import ModuleType
from typing import Optional


def load_script(path: str, name: Optional[str] = None) -> ModuleType:
    """The module of the script at ``path`` (named ``name``, default its file stem), executed
    fresh: tools share code this way without being a package."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'script {path} not found')
    spec = importlib.util.spec_from_file_location(name or osp.splitext(osp.basename(path))[0],
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
