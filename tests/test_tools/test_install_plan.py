"""tools/install.sh --dry-run on fake machines: a venv with a stub torch reporting a CUDA (or CPU)
build, PATHs with and without a stub nvcc, a stub nvidia-smi for the visible GPUs."""
import glob
import importlib.util
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
INSTALL_SH = osp.join(REPO, 'tools', 'install.sh')
BASE_PYTHON = getattr(sys, '_base_executable', sys.executable)
PY_TAG = f'cp{sys.version_info.major}{sys.version_info.minor}'
BASH = shutil.which('bash')

STUB_TORCH = '''import json, os, types
_spec = os.environ.get('STUB_TORCH')
if not _spec:
    raise ModuleNotFoundError("No module named 'torch'", name='torch')
_spec = json.loads(_spec)
__version__ = _spec['version']
version = types.SimpleNamespace(cuda=_spec.get('cuda'), hip=None)
def compiled_with_cxx11_abi():
    return _spec.get('cxx11_abi', True)
'''


STUB_MMCV = '''import json, os, types
_spec = os.environ.get('STUB_MMCV')
if not _spec:
    raise ModuleNotFoundError("No module named 'mmcv'", name='mmcv')
_spec = json.loads(_spec)
__version__ = _spec['version']
ops = types.ModuleType('mmcv.ops')
ops.get_compiling_cuda_version = lambda: _spec['ops']
import sys
sys.modules['mmcv.ops'] = ops
'''


def _load_plan_module():
    spec = importlib.util.spec_from_file_location('install_plan', osp.join(REPO, 'tools', 'install_plan.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


install_plan = _load_plan_module()


@pytest.fixture(scope='module')
def stub_venv(tmp_path_factory):
    """A venv whose torch is a stub answering from $STUB_TORCH (absent when unset)."""
    venv = tmp_path_factory.mktemp('stub') / 'venv'
    subprocess.run([BASE_PYTHON, '-m', 'venv', '--without-pip', str(venv)], check=True)
    site = glob.glob(str(venv / 'lib' / 'python*' / 'site-packages'))[0]
    os.makedirs(osp.join(site, 'torch'))
    with open(osp.join(site, 'torch', '__init__.py'), 'w') as f:
        f.write(STUB_TORCH)
    os.makedirs(osp.join(site, 'mmcv'))
    with open(osp.join(site, 'mmcv', '__init__.py'), 'w') as f:
        f.write(STUB_MMCV)
    return str(venv)


def _script(path, text):
    with open(path, 'w') as f:
        f.write('#!/bin/sh\n' + text)
    os.chmod(path, 0o755)


class FakeMachine:
    """PATH, GPUs, CUDA toolkit and torch of a machine, for one dry run."""

    def __init__(self, tmp_path, venv):
        self.root = tmp_path
        self.bin = tmp_path / 'bin'
        self.bin.mkdir()
        # only what install.sh --dry-run itself needs: no nvcc, nvidia-smi or compiler unless added
        os.symlink(shutil.which('dirname'), self.bin / 'dirname')
        self.cache = tmp_path / 'cache'
        self.env = {'PATH': str(self.bin), 'HOME': str(tmp_path / 'home'), 'PIP_CONFIG_FILE': os.devnull,
                    'CDKD_VENV': venv, 'CDKD_CACHE': str(self.cache), 'LANG': 'C.UTF-8'}

    def torch(self, version='2.13.0', cuda='12.8', **extra):
        self.env['STUB_TORCH'] = json.dumps(dict(version=version, cuda=cuda, **extra))

    def nvcc(self, release='12.8', archs=(75, 80, 86, 87, 89, 90, 100, 120), top=None):
        listing = '\\n'.join(f'compute_{a}' for a in archs)
        dryrun = f'echo "#$ TOP={top}/bin/.." >&2' if top else 'exit 1'
        _script(self.bin / 'nvcc', f'''case "$1" in
  --version) echo "Cuda compilation tools, release {release}, V{release}.0";;
  --list-gpu-arch) printf '{listing}\\n';;
  --dryrun) {dryrun};;
  *) exit 1;;
esac
''')

    def gpus(self, *gpus):
        lines = '\\n'.join(f'{name}, {cap}' for name, cap in gpus)
        _script(self.bin / 'nvidia-smi', f"printf '{lines}\\n'\n")

    def compiler(self):
        os.symlink(shutil.which('c++'), self.bin / 'c++')

    def no_toolkit(self):
        (self.root / 'no-cuda').mkdir()
        self.env['CUDA_HOME'] = str(self.root / 'no-cuda')

    def dry_run(self, **switches):
        env = dict(self.env, **switches)
        out = subprocess.run([BASH, INSTALL_SH, '--dry-run'], env=env, capture_output=True, text=True,
                             timeout=120)
        return out.returncode, out.stdout + out.stderr

    def plan(self, **switches):
        rc, text = self.dry_run(**switches)
        assert rc == 0, text
        return text


@pytest.fixture
def machine(tmp_path, stub_venv):
    m = FakeMachine(tmp_path, stub_venv)
    m.compiler()
    return m


def _line(text, key):
    lines = [ln for ln in text.splitlines() if ln.startswith(f'[cdkd install] {key}')]
    assert lines, f'no "{key}" line in:\n{text}'
    return lines[0]


def test_cuda_torch_with_toolkit_and_gpu_builds_cuda_ops_for_the_visible_gpus(machine, stub_venv):
    machine.torch(cuda='12.8')
    machine.nvcc('12.8')
    machine.gpus(('NVIDIA H200', '9.0'), ('NVIDIA A100-SXM4-80GB', '8.0'))
    text = machine.plan()
    assert 'keep 2.13.0 (cu128 build)' in _line(text, 'torch:')
    assert 'with CUDA ops' in _line(text, 'mmcv:') and 'nvcc 12.8' in _line(text, 'mmcv:')
    assert 'TORCH_CUDA_ARCH_LIST=8.0;9.0 (the visible GPUs: NVIDIA H200 (9.0), NVIDIA A100' \
        in _line(text, 'mmcv arch list:')
    cache = _line(text, 'mmcv cache:')
    assert f'mmcv-2.1.0-torch2.13.0-cu128-sm80_sm90-{PY_TAG}-' in cache and cache.endswith('(miss)')
    action = _line(text, 'mmcv action:')
    assert 'FORCE_CUDA=1' in action and f'CUDA_HOME={machine.root}' in action
    assert 'CUDA_VISIBLE_DEVICES' not in action
    # a dry run installs and writes nothing
    assert not machine.cache.exists() and not osp.exists(osp.join(stub_venv, '.cdkd-install-stamp'))


def test_without_visible_gpu_the_default_arch_list_is_cut_to_what_nvcc_compiles(machine):
    machine.torch(cuda='13.0')
    machine.nvcc('13.0', archs=(75, 80, 86, 87, 88, 89, 90, 100, 110, 120))  # CUDA 13 dropped 7.0
    text = machine.plan()
    assert 'TORCH_CUDA_ARCH_LIST=7.5;8.0;8.6;8.9;9.0;10.0;12.0+PTX (no GPU visible' \
        in _line(text, 'mmcv arch list:')
    assert '-cu130-sm75_sm80_sm86_sm89_sm90_sm100_sm120+ptx-' in _line(text, 'mmcv cache:')
    text = machine.plan(TORCH_CUDA_ARCH_LIST='8.6')
    assert 'TORCH_CUDA_ARCH_LIST=8.6 (TORCH_CUDA_ARCH_LIST from the environment)' \
        in _line(text, 'mmcv arch list:')
    assert '-cu130-sm86-' in _line(text, 'mmcv cache:')


def test_cuda_torch_without_toolkit_is_kept_and_gets_cpu_ops_with_the_gpu_caveat(machine):
    machine.torch(cuda='12.8')
    machine.gpus(('NVIDIA GeForce RTX 4090', '8.9'))
    machine.no_toolkit()
    text = machine.plan()
    assert 'keep 2.13.0 (cu128 build)' in _line(text, 'torch:')
    assert 'with CPU ops: torch is a CUDA build but no CUDA toolkit was found (CUDA_HOME=' \
        in _line(text, 'mmcv:')
    gpu = _line(text, 'mmcv on GPU:')
    assert 'cdkd\'s models' in gpu and 'CCHead (CrissCrossAttention)' in gpu and 'FocalLoss' in gpu
    assert "CUDA_VISIBLE_DEVICES=''" in _line(text, 'mmcv action:')  # else setup.py compiles CUDA ops
    assert 'FORCE_CUDA=0' in _line(text, 'mmcv action:')
    assert '-cu128-cpuops-' in _line(text, 'mmcv cache:')
    rc, text = machine.dry_run(CDKD_MMCV_OPS='cuda')
    assert rc == 1 and 'ERROR: CDKD_MMCV_OPS=cuda but no CUDA toolkit found' in text


def test_nvcc_on_path_or_usr_local_cuda_is_the_toolkit_when_cuda_home_is_unset(machine):
    machine.torch(cuda='13.0')
    text = machine.plan()
    if os.access('/usr/local/cuda/bin/nvcc', os.X_OK):  # torch's extension builder looks there too
        assert '(/usr/local/cuda: /usr/local/cuda/bin/nvcc)' in _line(text, 'mmcv:')
    else:
        assert 'no CUDA toolkit was found (no CUDA_HOME, no nvcc on PATH' in _line(text, 'mmcv:')
    machine.nvcc('13.0')
    text = machine.plan()
    assert f'(nvcc on PATH: {machine.bin}/nvcc)' in _line(text, 'mmcv:')
    assert f'CUDA_HOME={machine.root})' in _line(text, 'mmcv action:')  # <home>/bin/nvcc
    # a wrapper script on PATH (like /usr/local/bin/nvcc): the toolkit is where nvcc says it is
    machine.nvcc('13.0', top='/opt/cuda-13.0')
    assert 'CUDA_HOME=/opt/cuda-13.0)' in _line(machine.plan(), 'mmcv action:')


def test_nvcc_major_version_mismatch_falls_back_to_cpu_ops_unless_cuda_ops_are_demanded(machine):
    machine.torch(cuda='12.8')
    machine.nvcc('13.0')
    text = machine.plan()
    assert 'with CPU ops: nvcc 13.0' in _line(text, 'mmcv:')
    assert "torch's CUDA 12.8 differ in major version" in _line(text, 'WARNING:')
    rc, text = machine.dry_run(CDKD_MMCV_OPS='cuda')
    assert rc == 1 and 'ERROR: nvcc 13.0' in text and 'CUDA 12.x toolkit' in text
    machine.nvcc('12.4')
    assert 'with CUDA ops' in _line(machine.plan(), 'mmcv:')
    assert 'minor version mismatch' in _line(machine.plan(), 'WARNING:')


def test_cpu_torch_reuses_the_existing_cache_entry_and_never_a_cuda_one(machine):
    legacy = machine.cache / 'wheels' / f'mmcv-2.1.0-torch2.13.0-{PY_TAG}-{os.uname().machine}'
    legacy.mkdir(parents=True)
    (legacy / f'mmcv-2.1.0-{PY_TAG}-{PY_TAG}-linux_x86_64.whl').write_bytes(b'')
    machine.torch(version='2.13.0+cpu', cuda=None)
    machine.nvcc('12.8')  # a toolkit does not matter for a CPU torch
    text = machine.plan()
    assert 'with CPU ops: torch is a CPU build' in _line(text, 'mmcv:')
    assert _line(text, 'mmcv cache:') == f'[cdkd install] mmcv cache: {legacy} (hit)'
    assert 'install the cached wheel' in _line(text, 'mmcv action:')
    machine.torch(version='2.13.0', cuda='12.8')
    machine.no_toolkit()  # CPU ops again, but against a CUDA torch: another entry
    cuda_entry = f'-cu128-cpuops-{PY_TAG}-{os.uname().machine} (miss)'
    assert _line(machine.plan(), 'mmcv cache:').endswith(cuda_entry)
    text = machine.plan(STUB_TORCH=json.dumps(dict(version='2.13.0', cuda='12.8', cxx11_abi=False)))
    assert '-cu128-cpuops-abi0-' in _line(text, 'mmcv cache:')


def test_fresh_machine_without_gpu_takes_the_cpu_index_or_a_local_cpu_wheel(machine, tmp_path):
    env = dict(CDKD_VENV=str(tmp_path / 'new-venv'), PYTHON=BASE_PYTHON)
    text = machine.plan(**env)
    assert '(to be created)' in _line(text, 'environment:')
    torch = _line(text, 'torch:')
    assert 'install torch==2.13.0+cpu (cpu build) from https://download.pytorch.org/whl/cpu' in torch
    assert 'no NVIDIA GPU visible' in torch
    assert f'mmcv-2.1.0-torch2.13.0-{PY_TAG}-' in _line(text, 'mmcv cache:')
    mirror = machine.plan(CDKD_TORCH_INDEX='https://mirror.example/pytorch-wheels/', **env)
    assert 'from https://mirror.example/pytorch-wheels/cpu' in _line(mirror, 'torch:')
    # a local wheel store, as on the machines cdkd is developed on: pip takes it, nothing is downloaded
    wheels = tmp_path / 'wheels'
    wheels.mkdir()
    (wheels / f'torch-2.13.0+cpu-{PY_TAG}-{PY_TAG}-manylinux_2_28_{os.uname().machine}.whl').write_bytes(b'')
    local = _line(machine.plan(PIP_FIND_LINKS=str(wheels), **env), 'torch:')
    assert "install torch==2.13.0 (cpu build) from pip's configured find-links " \
        f'({wheels}/torch-2.13.0+cpu' in local
    conf = tmp_path / 'pip.conf'
    conf.write_text(f'[global]\nfind-links = {wheels}\n')
    assert "pip's configured find-links" in _line(machine.plan(PIP_CONFIG_FILE=str(conf), **env), 'torch:')
    assert not (tmp_path / 'new-venv').exists()


def test_fresh_machine_with_gpu_takes_the_cuda_torch_and_plans_cuda_ops(machine, tmp_path):
    machine.gpus(('NVIDIA H200', '9.0'))
    machine.nvcc('12.8')
    env = dict(CDKD_VENV=str(tmp_path / 'new-venv'), PYTHON=BASE_PYTHON)
    text = machine.plan(**env)
    assert "install torch===2.13.0 (cuda build) from pip's configured indexes" in _line(text, 'torch:')
    assert 'NVIDIA GPU visible (NVIDIA H200)' in _line(text, 'torch:')
    assert 'with CUDA ops' in _line(text, 'mmcv:') and 're-checked against the CUDA version' in text
    assert 'decided once torch is installed' in _line(text, 'mmcv cache:')
    cpu = machine.plan(CDKD_TORCH='cpu', **env)
    assert 'install torch==2.13.0+cpu (cpu build) from https://download.pytorch.org/whl/cpu' in cpu
    cu126 = machine.plan(CDKD_TORCH='cu126', **env)
    assert 'install torch==2.13.0+cu126 (cu126 build) from https://download.pytorch.org/whl/cu126' in cu126
    assert 'with CPU ops: nvcc 12.8' not in cu126 and 'with CUDA ops' in _line(cu126, 'mmcv:')
    assert '-cu126-sm90-' in _line(cu126, 'mmcv cache:')


def test_an_installed_torch_is_kept_unless_another_build_is_asked_for(machine):
    machine.torch(version='2.13.0+cpu', cuda=None)
    machine.gpus(('NVIDIA H200', '9.0'))
    assert 'keep 2.13.0+cpu (cpu build)' in _line(machine.plan(), 'torch:')
    assert 'replace with torch===2.13.0 (cuda build)' in _line(machine.plan(CDKD_TORCH='cuda'), 'torch:')
    machine.torch(version='2.13.0', cuda='12.8')
    assert 'replace with torch==2.13.0+cpu' in _line(machine.plan(CDKD_TORCH='cpu'), 'torch:')
    assert 'keep 2.13.0 (cu128 build)' in _line(machine.plan(CDKD_TORCH='cu128'), 'torch:')
    machine.torch(version='2.5.1', cuda='12.4')
    torch = _line(machine.plan(), 'torch:')
    assert 'install torch===2.13.0' in torch and 'CDKD_TORCH=existing keeps' in torch


def test_existing_environment_torch_is_version_checked(machine, stub_venv, tmp_path):
    machine.torch(version='2.4.1+cu121', cuda='12.1')
    machine.nvcc('12.1')
    text = machine.plan(CDKD_TORCH='existing')
    assert 'keep 2.4.1+cu121 (cu121 build): CDKD_TORCH=existing' in _line(text, 'torch:')
    assert 'cdkd is tested with torch 2.13.0 only' in _line(text, 'WARNING:')
    assert 'mmcv-2.1.0-torch2.4.1-cu121-' in _line(text, 'mmcv cache:')
    # a venv still to be made is layered on the Python that has the torch (a conda env, a module)...
    base_site = tmp_path / 'base-site'
    (base_site / 'torch').mkdir(parents=True)
    (base_site / 'torch' / '__init__.py').write_text(STUB_TORCH)
    layered = machine.plan(CDKD_TORCH='existing', CDKD_VENV=str(tmp_path / 'new'), PYTHON=BASE_PYTHON,
                           PYTHONPATH=str(base_site))
    assert '(to be created, with --system-site-packages)' in _line(layered, 'environment:')
    assert 'keep 2.4.1+cu121' in _line(layered, 'torch:')
    # ... but not on a venv's Python, whose packages a venv made from it would not see
    rc, text = machine.dry_run(CDKD_TORCH='existing', CDKD_VENV=str(tmp_path / 'new'),
                               PYTHON=osp.join(stub_venv, 'bin', 'python'))
    assert rc == 1 and 'belongs to a virtual environment' in text and 'CDKD_VENV=' in text
    machine.torch(version='2.0.1', cuda='11.8')
    rc, text = machine.dry_run(CDKD_TORCH='existing')
    assert rc == 1 and 'ERROR: torch 2.0.1 is older than 2.1' in text
    machine.env.pop('STUB_TORCH')
    rc, text = machine.dry_run(CDKD_TORCH='existing')
    assert rc == 1 and 'CDKD_TORCH=existing but' in text and 'cannot import torch' in text


def test_torchvision_is_opt_in_and_matches_the_torch(machine, tmp_path):
    machine.torch(version='2.13.0', cuda='12.8')
    machine.no_toolkit()
    assert 'not installed (CDKD_WITH_TORCHVISION=1 installs it)' in _line(machine.plan(), 'torchvision:')
    assert 'install torchvision==0.28.0 (' in _line(machine.plan(CDKD_WITH_TORCHVISION='1'), 'torchvision:')
    cpu = machine.plan(CDKD_WITH_TORCHVISION='1', CDKD_TORCH='cpu', CDKD_VENV=str(tmp_path / 'new'),
                       PYTHON=BASE_PYTHON)
    assert 'install torchvision==0.28.0+cpu' in _line(cpu, 'torchvision:')
    machine.torch(version='2.4.1+cu121', cuda='12.1')
    existing = machine.plan(CDKD_WITH_TORCHVISION='1', CDKD_TORCH='existing')
    assert 'install torchvision==0.19.1+cu121' in _line(existing, 'torchvision:')


def test_bad_switches_and_missing_build_tools_are_named(machine, tmp_path):
    rc, text = machine.dry_run(CDKD_TORCH='gpu')
    assert rc == 1 and "ERROR: CDKD_TORCH='gpu' is not one of" in text
    machine.torch(version='2.13.0+cpu', cuda=None)
    rc, text = machine.dry_run(CDKD_MMCV_OPS='cuda')
    assert rc == 1 and 'ERROR: CDKD_MMCV_OPS=cuda but torch is a CPU build' in text
    os.unlink(machine.bin / 'c++')
    text = machine.plan()
    assert 'build the wheel from the PyPI source' in _line(text, 'mmcv action:')
    assert 'no C++ compiler (c++/g++) on PATH' in _line(text, 'WARNING:')


def test_plan_stamp_changes_with_every_build_decision(tmp_path):
    def facts(cuda, archs=None, ops=''):
        return {'python': {'executable': 'python', 'version': '3.11.7', 'py_tag': 'cp311',
                           'machine': 'x86_64', 'headers': True, 'mmcv': None, 'torchvision': None,
                           'torch': {'version': '2.13.0', 'cuda': cuda, 'hip': None, 'cxx11_abi': True}},
                'env_exists': True, 'venv': 'v', 'cache': str(tmp_path), 'local_cpu_wheel': None,
                'gpus': [], 'nvcc': {'path': 'nvcc', 'cuda_home': '/cuda', 'source': 'PATH',
                                     'version': '12.8', 'archs': None},
                'compiler': 'c++', 'nproc': 2, 'mem_gib': 8,
                'switches': dict({k: '' for k in install_plan.SWITCHES}, TORCH_CUDA_ARCH_LIST=archs or '',
                                 CDKD_MMCV_OPS=ops)}

    plans = [install_plan.make_plan(f) for f in (facts(None), facts('12.8'), facts('12.8', ops='cpu'),
                                                 facts('12.8', '8.6'), facts('12.8', '9.0'))]
    assert len({p['stamp'] for p in plans}) == len({p['mmcv']['cache_dir'] for p in plans}) == 5


def test_cdkd_uses_no_mmcv_op_that_cpu_ops_cannot_run_on_gpu():
    """What the installer tells a user with a CUDA torch and no toolkit must stay true."""
    names = [re.escape(k.split(' ')[0]) for k in install_plan.MMSEG_PARTS_NEEDING_CUDA_OPS]
    pattern = re.compile(r'mmcv\.ops|from mmcv import ops|dcn\s*=\s*dict|'
                         r"type\s*=\s*'(" + '|'.join(names) + r"|DCNv2|DCNv3|DeformConv\w*)'")
    offenders = []
    for top in ('cdkd', 'configs', 'tools'):
        for path in glob.glob(osp.join(REPO, top, '**', '*.py'), recursive=True):
            if path.endswith('install_plan.py'):
                continue
            with open(path, encoding='utf-8') as f:
                offenders += [f'{path}: {m.group(0)}' for m in pattern.finditer(f.read())]
    assert not offenders, 'update MMSEG_PARTS_NEEDING_CUDA_OPS and the message in install_plan.py:\n' \
        + '\n'.join(offenders)
    assert pattern.search("loss=dict(type='FocalLoss')") and pattern.search('from mmcv.ops import nms')


def test_an_installed_mmcv_is_kept_only_for_the_same_build(machine, stub_venv):
    machine.torch(cuda='12.8')
    machine.nvcc('12.8')
    machine.gpus(('NVIDIA H200', '9.0'))
    entry = osp.join(stub_venv, install_plan.MMCV_ENTRY_FILE)
    try:
        # installed by hand (no record of a cache entry), CUDA ops: kept
        assert 'keep the installed mmcv' in _line(
            machine.plan(STUB_MMCV='{"version": "2.1.0", "ops": "12.8"}'), 'mmcv action:')
        # CPU ops are never reused for a CUDA build
        assert 'build the wheel' in _line(
            machine.plan(STUB_MMCV='{"version": "2.1.0", "ops": "not available"}'), 'mmcv action:')
        # installed from another cache entry (another arch list, another torch): reinstalled
        with open(entry, 'w') as f:
            f.write(f'mmcv-2.1.0-torch2.13.0-cu128-sm80-{PY_TAG}-{os.uname().machine}\n')
        assert 'build the wheel' in _line(
            machine.plan(STUB_MMCV='{"version": "2.1.0", "ops": "12.8"}'), 'mmcv action:')
        with open(entry, 'w') as f:
            f.write(f'mmcv-2.1.0-torch2.13.0-cu128-sm90-{PY_TAG}-{os.uname().machine}\n')
        assert 'keep the installed mmcv' in _line(
            machine.plan(STUB_MMCV='{"version": "2.1.0", "ops": "12.8"}'), 'mmcv action:')
    finally:
        if osp.exists(entry):
            os.unlink(entry)
