"""Small mmengine-style ``scalars.json`` files for the log-curve tests."""
import json
import os


def train_line(it, loss, lr=0.01, time=0.5, **extra):
    return dict(lr=lr, data_time=0.01, loss=loss, time=time, iter=it, step=it, **extra)


def val_line(step, f1, iou=0.5, time=0.1):
    return dict(OA=0.9, F1=f1, IoU=iou, data_time=0.002, time=time, step=step)


def write_run(work_dir, timestamp, lines):
    """Write ``lines`` to ``work_dir/timestamp/vis_data/scalars.json``; return the file path."""
    folder = os.path.join(str(work_dir), timestamp, 'vis_data')
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, 'scalars.json')
    with open(path, 'w') as f:
        f.writelines(json.dumps(line) + '\n' for line in lines)
    return path


# Two logging intervals, a validation, two more, a validation: an iteration-based run.
ITER_RUN = [
    train_line(5, 0.9, time=2.0), train_line(10, 0.7, time=0.6),
    val_line(10, 0.40, iou=0.25),
    train_line(15, 0.5, time=0.4), train_line(20, 0.3, time=0.5),
    val_line(20, 0.80, iou=0.67),
]
