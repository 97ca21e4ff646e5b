import glob
import os.path as osp


def resolve_checkpoint(path: str) -> str:
    """Return a checkpoint file for ``path``: the file itself, or for a work dir its best
    checkpoint (``best_*.pth``, newest first) or else the one named in ``last_checkpoint``."""
    path = osp.expanduser(path)
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(f'checkpoint {path} does not exist')
    best = sorted(glob.glob(osp.join(path, 'best_*.pth')), key=osp.getmtime)
    if best:
        return best[-1]
    last = osp.join(path, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            recorded = f.read().strip()
        if osp.isfile(recorded):
            return recorded
        raise FileNotFoundError(f'{last} names {recorded}, which does not exist')
    raise FileNotFoundError(f'no checkpoint in {path}: neither best_*.pth nor last_checkpoint')
