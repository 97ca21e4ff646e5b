"""tools/annotate.py: argument checks and a real start on 127.0.0.1."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys
import time
import urllib.request

import cv2
import numpy as np
import pytest

pytest.importorskip('flask', reason='the annotation tool needs Flask (requirements/runtime.txt)')

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools'))
import annotate  # noqa: E402


def test_config_and_checkpoint_go_together(capsys):
    with pytest.raises(SystemExit):
        annotate.parse_args(['root', '--config', 'c.py'])
    assert '--config and --checkpoint go together' in capsys.readouterr().err
    args = annotate.parse_args(['root'])
    assert (args.host, args.port, args.config) == ('127.0.0.1', 5000, None)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_tool_serves_the_pairs_on_loopback(tmp_path):
    for side in 'AB':
        os.makedirs(tmp_path / side)
        cv2.imwrite(str(tmp_path / side / 'x.png'), np.zeros((8, 8, 3), np.uint8))
    port = free_port()
    proc = subprocess.Popen([sys.executable, osp.join(REPO, 'tools', 'annotate.py'),
                             str(tmp_path), '--port', str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, info = time.monotonic() + 60, None
        while info is None and proc.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{port}/api/pairs', timeout=2) as r:
                    info = json.load(r)
            except OSError:
                time.sleep(0.2)
        assert info is not None, proc.stdout.read() if proc.poll() is not None else 'no answer'
        assert info['names'] == ['x.png']
    finally:
        proc.terminate()
        proc.wait(timeout=10)
