"""Write files through a temp file and a rename, so readers never see a half-written file."""
import contextlib
import os
import os.path as osp
import re
import threading
from typing import BinaryIO, Iterator, List

# ``.<name>.<pid>.<thread id>.tmp`` beside the target: unique per process and thread.
_TEMP_NAME = re.compile(r'\.(?P<name>.+)\.(?P<pid>\d+)\.\d+\.tmp')


def temp_path(path: str) -> str:
    """The temp file that :func:`atomic_open` writes before renaming it to ``path``."""
    folder, name = osp.split(osp.abspath(path))
    return osp.join(folder, f'.{name}.{os.getpid()}.{threading.get_ident()}.tmp')


@contextlib.contextmanager
def atomic_open(path: str) -> Iterator[BinaryIO]:
    """A binary file whose content replaces ``path`` only when the block completes: it is written
    to :func:`temp_path` in the same folder, synced and renamed, so a crash leaves either the old
    file or the new one, never a partial file. On an exception the temp file is removed; a killed
    process leaves it behind for :func:`remove_stale_temp_files`. A plain open gives the file the
    usual umask permissions."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = temp_path(path)
    try:
        with open(tmp, 'wb') as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str, content: bytes) -> None:
    """Write ``content`` to ``path`` through :func:`atomic_open`."""
    with atomic_open(path) as f:
        f.write(content)


def atomic_write_text(path: str, text: str) -> None:
    """:func:`atomic_write_bytes` of ``text`` in UTF-8."""
    atomic_write_bytes(path, text.encode('utf-8'))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == 'nt':  # Windows' os.kill(pid, 0) would send Ctrl+C
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def remove_stale_temp_files(folder: str) -> List[str]:
    """Remove the temp files of :func:`atomic_open` in ``folder`` whose writing process is no
    longer alive (it was killed mid-write); files of live processes are kept. Returns the
    removed paths."""
    if not osp.isdir(folder):
        return []
    removed = []
    for name in sorted(os.listdir(folder)):
        match = _TEMP_NAME.fullmatch(name)
        path = osp.join(folder, name)
        if match and osp.isfile(path) and not _pid_alive(int(match['pid'])):
            try:
                os.unlink(path)
            except FileNotFoundError:  # removed meanwhile by another cleaner
                continue
            removed.append(path)
    return removed
