"""Resolve names sent by the browser to files inside the data root, and nowhere else."""
import os
import os.path as osp


class UnsafePathError(ValueError):
    """A requested path is absolute, climbs out with ``..``, or resolves outside the root."""


def is_inside(root: str, path: str) -> bool:
    """Whether ``path`` (after resolving symlinks) is ``root`` or lies below it."""
    root_real, path_real = osp.realpath(root), osp.realpath(path)
    return osp.commonpath([root_real, path_real]) == root_real


def resolve_inside(root: str, relative: str) -> str:
    """``root/relative`` as a real path, refusing anything that could leave ``root``.

    Refused (``UnsafePathError``): an empty or absolute path, a drive or backslash, a NUL byte,
    any ``..`` component, and a path whose symlinks resolve outside ``root``. The file need not
    exist.
    """
    if not relative or '\x00' in relative or '\\' in relative:
        raise UnsafePathError(f'invalid path {relative!r}')
    if osp.isabs(relative) or osp.splitdrive(relative)[0]:
        raise UnsafePathError(f'absolute path {relative!r} refused')
    if '..' in relative.split('/'):
        raise UnsafePathError(f'path {relative!r} climbs out of the data root')
    path = osp.join(root, *[part for part in relative.split('/') if part not in ('', '.')])
    if not is_inside(root, path):
        raise UnsafePathError(f'path {relative!r} resolves outside the data root')
    return osp.realpath(path)


def plain_file_name(name: str) -> str:
    """``name`` if it is a single file name (no folder part, not hidden), else UnsafePathError."""
    if not name or name != osp.basename(name) or name.startswith('.') or os.sep in name \
            or '/' in name or '\\' in name or '\x00' in name:
        raise UnsafePathError(f'invalid pair name {name!r}')
    return name
