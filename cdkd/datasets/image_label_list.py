"""Image-level change labels from a list file, for weakly labelled data without pixel masks.

Format (UTF-8 text, one pair per line)::

    # comment lines and blank lines are skipped; an optional header line ``name,label``
    0001,1
    0002,0

``name`` is the sample name (the image file name without its suffix, as in ``A/<name>.png``; a
name with an image suffix such as ``.png`` is also accepted), ``label`` is 1 (the pair has changed)
or 0 (no change). Every name may appear once. The label is the *last* column, so the official
KD-MSI ``list/train_label.txt`` (``name.png,0,0,1``, ``generate_cls_label.py:9-12``, read by
``core/WS_dataset.py:40-43``) is read as it is.
"""
import csv
from typing import Dict

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp')


def load_image_label_list(path: str) -> Dict[str, int]:
    """``{sample name: 0 or 1}`` of an image-label list file (see the module doc)."""
    labels: Dict[str, int] = {}
    try:
        f = open(path, newline='', encoding='utf-8')
    except OSError as e:
        raise FileNotFoundError(f'image-label list {path} cannot be read: {e}') from e
    with f:
        for lineno, row in enumerate(csv.reader(f), 1):
            cells = [c.strip() for c in row]
            if not cells or not any(cells) or cells[0].startswith('#'):
                continue
            if lineno == 1 and [c.lower() for c in cells] == ['name', 'label']:
                continue
            if len(cells) < 2 or not cells[0] or cells[-1] not in ('0', '1'):
                raise ValueError(f'{path} line {lineno}: expected "name,0" or "name,1", got '
                                 f'{",".join(row)!r}')
            name = cells[0]
            if name.lower().endswith(IMAGE_SUFFIXES):
                name = name.rsplit('.', 1)[0]
            if name in labels:
                raise ValueError(f'{path} line {lineno}: sample {name!r} is listed twice')
            labels[name] = int(cells[-1])
    if not labels:
        raise ValueError(f'image-label list {path} lists no samples')
    return labels
