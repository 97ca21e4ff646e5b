"""Write files through a temp file and a rename, so readers never see a half-written file."""
import os
import os.path as osp
import threading


def atomic_write_bytes(path: str, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temp file in the same folder and a rename, so a
    crash leaves either the old file or the new one, never a partial file. The temp name is
    unique per process and thread; a plain open gives the file the usual umask permissions."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(path)}.{os.getpid()}.{threading.get_ident()}.tmp')
    try:
        with open(tmp, 'wb') as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str, text: str) -> None:
    """:func:`atomic_write_bytes` of ``text`` in UTF-8."""
    atomic_write_bytes(path, text.encode('utf-8'))
