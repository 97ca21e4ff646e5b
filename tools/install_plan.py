#!/usr/bin/env python3
"""Decide how tools/install.sh installs torch and mmcv on this machine, and print the plan.

install.sh runs this before torch is installed (which torch) and again after (which mmcv build,
which wheel-cache entry); ``tools/install.sh --dry-run`` prints the same plan as text. The facts
are gathered once (``gather_facts``), the decisions are a pure function of them (``make_plan``).
Standard library only: it runs with whatever python3 creates the environment.

Switches (environment variables, documented in the README):
  CDKD_TORCH             auto (default) | cpu | cuXYZ | cuda | existing
  CDKD_TORCH_INDEX       base URL of the PyTorch wheel index (default https://download.pytorch.org/whl)
  CDKD_MMCV_OPS          auto (default) | cpu | cuda
  CDKD_WITH_TORCHVISION  1 to install the torchvision matching torch (off by default)
  TORCH_CUDA_ARCH_LIST, CUDA_HOME / CUDA_PATH, MAX_JOBS   as for any torch extension build
"""
import argparse
import configparser
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

TORCH_VERSION = '2.13.0'
TORCHVISION_VERSION = '0.28.0'
MMCV_VERSION = '2.1.0'
# cdkd's setup.py floor; mmcv 2.1.0 compiles from source against newer torch (2.13 is what cdkd tests).
MIN_TORCH = (2, 1)
DEFAULT_TORCH_INDEX = 'https://download.pytorch.org/whl'
PYPI = 'https://pypi.org/simple'
# Used when no GPU is visible (e.g. a cluster login node): Volta ... Blackwell, filtered by what nvcc
# can compile (CUDA 13 dropped 7.0), PTX of the newest for GPUs newer than the list.
DEFAULT_CUDA_ARCHS = ('7.0', '7.5', '8.0', '8.6', '8.9', '9.0', '10.0', '12.0')
# What an mmcv built with CPU ops cannot run on CUDA tensors, as far as mmseg 1.2.2 reaches it
# (mmseg's point_sample is plain PyTorch and works). cdkd uses none of these (tests check it).
MMSEG_PARTS_NEEDING_CUDA_OPS = {
    'CCHead': 'CrissCrossAttention',
    'PSAHead': 'PSAMask',
    'FocalLoss': 'sigmoid_focal_loss',
    'DCN / DCNv2 convs (dcn=, conv_cfg)': 'DeformConv2d / ModulatedDeformConv2d',
}
MMCV_ENTRY_FILE = '.cdkd-mmcv-entry'
SWITCHES = ('CDKD_TORCH', 'CDKD_TORCH_INDEX', 'CDKD_MMCV_OPS', 'CDKD_WITH_TORCHVISION',
            'TORCH_CUDA_ARCH_LIST', 'CUDA_HOME', 'CUDA_PATH', 'MAX_JOBS')

PROBE = r'''
import json, os, platform, sys, sysconfig
info = {'executable': sys.executable, 'version': '%d.%d.%d' % sys.version_info[:3],
        'py_tag': 'cp%d%d' % sys.version_info[:2], 'machine': platform.machine(),
        'headers': os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')),
        'in_venv': sys.prefix != sys.base_prefix, 'torch': None, 'mmcv': None, 'torchvision': None}
try:
    if os.environ.get('CDKD_PROBE_PACKAGES') != '1':
        raise ModuleNotFoundError(name='torch')
    import torch
    info['torch'] = {'version': torch.__version__, 'cuda': torch.version.cuda,
                     'hip': getattr(torch.version, 'hip', None),
                     'cxx11_abi': bool(torch.compiled_with_cxx11_abi())}
except ImportError as e:
    info['torch_error'] = '' if isinstance(e, ModuleNotFoundError) and e.name == 'torch' else repr(e)
if info['torch']:
    try:
        import mmcv
        info['mmcv'] = {'version': mmcv.__version__, 'ops': None}
        import mmcv.ops
        info['mmcv']['ops'] = mmcv.ops.get_compiling_cuda_version()
        import cdkd, mmseg.models
        info['stack_imports'] = True
    except Exception:
        pass
    try:
        import torchvision
        info['torchvision'] = torchvision.__version__
    except Exception:
        pass
print(json.dumps(info))
'''


def _version_tuple(version):
    return tuple(int(p) for p in re.findall(r'\d+', version.split('+')[0])[:3])


def _run(cmd, env, stderr=False):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return None if out.returncode else out.stdout + (out.stderr if stderr else '')


def probe_python(python, env, with_packages):
    """Python version, headers and the torch/mmcv/torchvision that ``python`` imports."""
    out = _run([python, '-c', PROBE], dict(env, CDKD_PROBE_PACKAGES='1' if with_packages else '0'))
    if out is None:
        raise SystemExit(f'[cdkd install] ERROR: cannot run {python}')
    return json.loads(out.strip().splitlines()[-1])


def find_links(env, prefix):
    """pip's find-links: PIP_FIND_LINKS, else pip's config files ([global]/[install])."""
    if env.get('PIP_FIND_LINKS') is not None:
        return env['PIP_FIND_LINKS'].split()
    config_file = env.get('PIP_CONFIG_FILE')
    if config_file == os.devnull:
        return []
    home = env.get('HOME', os.path.expanduser('~'))
    xdg = env.get('XDG_CONFIG_HOME', os.path.join(home, '.config'))
    files = [os.path.join(d, 'pip', 'pip.conf')
             for d in env.get('XDG_CONFIG_DIRS', '/etc/xdg').split(':')]
    files += ['/etc/pip.conf', os.path.join(home, '.pip', 'pip.conf'),
              os.path.join(xdg, 'pip', 'pip.conf'), os.path.join(prefix, 'pip.conf')]
    if config_file:
        files.append(config_file)
    links = []
    for path in files:
        parser = configparser.RawConfigParser()
        try:
            parser.read(path)
        except configparser.Error:
            continue
        for section in ('global', 'install'):
            if parser.has_option(section, 'find-links'):
                links = parser.get(section, 'find-links').split()
    return links


def local_cpu_torch_wheel(links, py_tag, machine):
    """A CPU wheel of torch TORCH_VERSION for this Python in a local find-links directory."""
    for link in links:
        directory = link[len('file://'):] if link.startswith('file://') else link
        if not os.path.isdir(directory):
            continue
        pattern = os.path.join(directory, f'torch-{TORCH_VERSION}+cpu-{py_tag}-*{machine}*.whl')
        for wheel in sorted(glob.glob(pattern)):
            return wheel
    return None


def find_nvcc(env):
    """The nvcc torch's extension builder will use: CUDA_HOME/CUDA_PATH, nvcc on PATH, /usr/local/cuda."""
    for var in ('CUDA_HOME', 'CUDA_PATH'):
        if env.get(var):
            nvcc = os.path.join(env[var], 'bin', 'nvcc')
            return (nvcc if os.access(nvcc, os.X_OK) else None), env[var], f'{var}={env[var]}'
    nvcc = shutil.which('nvcc', path=env.get('PATH', ''))
    if nvcc:
        # nvcc may be a wrapper script (e.g. /usr/local/bin/nvcc): ask it where its toolkit is.
        dryrun = _run([nvcc, '--dryrun', '-c', '/nonexistent/x.cu'], env, stderr=True) or ''
        top = re.search(r'^#\$ TOP=(.+)$', dryrun, re.MULTILINE)
        home = os.path.normpath(top.group(1).strip()) if top else os.path.dirname(os.path.dirname(nvcc))
        return nvcc, home, 'nvcc on PATH'
    nvcc = '/usr/local/cuda/bin/nvcc'
    if os.access(nvcc, os.X_OK):
        return nvcc, '/usr/local/cuda', '/usr/local/cuda'
    return None, None, 'no CUDA_HOME, no nvcc on PATH, no /usr/local/cuda'


def gather_facts(python, env_exists, venv, cache, env):
    torch_mode = env.get('CDKD_TORCH', 'auto') or 'auto'
    # A venv still to be created only sees the base Python's torch in `existing` mode
    # (it is then created with --system-site-packages).
    facts = {'python': probe_python(python, env, env_exists or torch_mode == 'existing'),
             'env_exists': env_exists, 'venv': venv, 'cache': cache,
             'switches': {k: env.get(k, '') for k in SWITCHES}}
    py = facts['python']
    try:  # which cache entry install.sh installed mmcv from (absent: mmcv installed otherwise)
        with open(os.path.join(venv, MMCV_ENTRY_FILE)) as f:
            facts['mmcv_entry'] = f.read().strip()
    except OSError:
        facts['mmcv_entry'] = None
    facts['local_cpu_wheel'] = local_cpu_torch_wheel(
        find_links(env, venv if env_exists else sys.prefix), py['py_tag'], py['machine'])
    smi = shutil.which('nvidia-smi', path=env.get('PATH', ''))
    gpus = []
    if smi:
        out = _run([smi, '--query-gpu=name,compute_cap', '--format=csv,noheader'], env) or ''
        for line in out.strip().splitlines():
            name, _, cap = line.rpartition(',')
            if name.strip():
                gpus.append({'name': name.strip(), 'compute_cap': cap.strip()})
    facts['gpus'] = gpus
    nvcc, cuda_home, nvcc_source = find_nvcc(env)
    facts['nvcc'] = None
    if nvcc:
        out = _run([nvcc, '--version'], env) or ''
        match = re.search(r'release (\d+\.\d+)', out)
        archs = _run([nvcc, '--list-gpu-arch'], env)
        facts['nvcc'] = {'path': nvcc, 'cuda_home': cuda_home, 'source': nvcc_source,
                         'version': match.group(1) if match else None,
                         'archs': sorted({f'{int(a[:-1])}.{a[-1]}' for a in
                                          re.findall(r'compute_(\d+)', archs)}, key=_version_tuple)
                         if archs else None}
    else:
        facts['nvcc_missing'] = nvcc_source
    facts['compiler'] = next((c for c in (shutil.which(n, path=env.get('PATH', ''))
                                          for n in ('c++', 'g++')) if c), None)
    facts['nproc'] = os.cpu_count() or 1
    try:
        with open('/proc/meminfo') as f:
            facts['mem_gib'] = int(re.search(r'MemAvailable:\s+(\d+)', f.read()).group(1)) // 2**20
    except (OSError, AttributeError):
        facts['mem_gib'] = None
    return facts


def torch_build_tag(cuda):
    return 'cpu' if cuda is None else 'cu' + cuda.replace('.', '')


def _torch_from_index(tag, index):
    return {'spec': f'torch=={TORCH_VERSION}+{tag}', 'build': tag,
            'pip_args': ['--index-url', f'{index}/{tag}', '--extra-index-url', PYPI],
            'source': f'{index}/{tag} (PyPI as extra index for the dependencies)'}


def plan_torch(facts):
    sw, py = facts['switches'], facts['python']
    mode = sw['CDKD_TORCH'] or 'auto'
    index = (sw['CDKD_TORCH_INDEX'] or DEFAULT_TORCH_INDEX).rstrip('/')
    installed = py['torch']
    plan = {'mode': mode, 'installed': installed, 'version': TORCH_VERSION}
    if mode not in ('auto', 'cpu', 'cuda', 'existing') and not re.fullmatch(r'cu\d{3,}', mode):
        return dict(plan, action='error', why=f'CDKD_TORCH={mode!r} is not one of auto, cpu, '
                                              'cuXYZ (e.g. cu128), cuda, existing')
    if installed and installed['hip']:
        return dict(plan, action='error', why=f'torch {installed["version"]} is a ROCm build; '
                    'this script builds mmcv for CPU or CUDA only')
    if mode == 'existing':
        if not installed:
            return dict(plan, action='error', why=f'CDKD_TORCH=existing but {py["executable"]} cannot '
                        f'import torch {py.get("torch_error", "")}; set PYTHON=/path/to/the/python '
                        'that has your torch (a venv is layered on it with --system-site-packages)')
        if not facts['env_exists'] and py['in_venv']:
            return dict(plan, action='error', why=f'{py["executable"]} belongs to a virtual environment, '
                        'and a venv made from it would not see its packages; install into that '
                        'environment itself with CDKD_VENV=<its directory>')
        if _version_tuple(installed['version'])[:2] < MIN_TORCH:
            return dict(plan, action='error', why=f'torch {installed["version"]} is older than '
                        f'{".".join(map(str, MIN_TORCH))}, the oldest cdkd supports '
                        '(mmcv 2.1.0 / mmseg 1.2.2 themselves need >= 1.8)')
        plan.update(action='keep', version=installed['version'].split('+')[0],
                    build=torch_build_tag(installed['cuda']),
                    why='CDKD_TORCH=existing: the environment\'s own torch is used as it is')
        if installed['version'].split('+')[0] != TORCH_VERSION:
            plan['warning'] = (f'torch {installed["version"]}: mmcv {MMCV_VERSION} and mmseg 1.2.2 '
                               f'accept it, but cdkd is tested with torch {TORCH_VERSION} only')
        return plan
    if mode == 'cpu' or re.fullmatch(r'cu\d{3,}', mode):
        target = _torch_from_index(mode, index)
        why = f'CDKD_TORCH={mode}'
    elif mode == 'cuda' or facts['gpus']:
        # `===`: exactly 2.13.0, PyPI's CUDA build; never a 2.13.0+cpu from a local wheel store,
        # which `==` would prefer (a local version label sorts higher).
        target = {'spec': f'torch==={TORCH_VERSION}', 'build': 'cuda', 'pip_args': [],
                  'source': "pip's configured indexes (PyPI's Linux x86_64 wheel is the CUDA build)"}
        why = 'CDKD_TORCH=cuda' if mode == 'cuda' else \
            f'auto: NVIDIA GPU visible ({facts["gpus"][0]["name"]})'
    elif facts['local_cpu_wheel']:
        target = {'spec': f'torch=={TORCH_VERSION}', 'build': 'cpu', 'pip_args': [],
                  'source': f"pip's configured find-links ({facts['local_cpu_wheel']})"}
        why = 'auto: no NVIDIA GPU visible and a CPU wheel of torch is in pip\'s find-links'
    else:
        target = _torch_from_index('cpu', index)
        why = ('auto: no NVIDIA GPU visible (nvidia-smi), so the CPU wheel (about 190 MB instead '
               'of several GB of CUDA libraries); CDKD_TORCH=cuda to override')
    plan.update(target, why=why)
    if installed and installed['version'].split('+')[0] == TORCH_VERSION:
        have = torch_build_tag(installed['cuda'])
        if mode == 'auto' or have == target['build'] or (target['build'] == 'cuda' and have != 'cpu'):
            plan.update(action='keep', build=have,
                        why=f'torch {installed["version"]} is installed ({have} build; '
                            'CDKD_TORCH=cpu, cuda or cuXYZ switches it)')
            return plan
        plan.update(action='replace', why=f'{why}; the installed torch {installed["version"]} '
                                          f'is a {have} build')
        return plan
    plan['action'] = 'install'
    if installed:
        plan['why'] += (f'; replaces torch {installed["version"]} '
                        '(CDKD_TORCH=existing keeps an environment\'s own torch)')
    return plan


def _arch_list(facts):
    sw = facts['switches']
    if sw['TORCH_CUDA_ARCH_LIST']:
        return sw['TORCH_CUDA_ARCH_LIST'], 'TORCH_CUDA_ARCH_LIST from the environment'
    if facts['gpus']:
        caps = sorted({g['compute_cap'] for g in facts['gpus'] if re.fullmatch(r'\d+\.\d+', g['compute_cap'])},
                      key=_version_tuple)  # old drivers answer [N/A]
        if caps:
            names = ', '.join(f'{g["name"]} ({g["compute_cap"]})' for g in facts['gpus'])
            return ';'.join(caps), f'the visible GPUs: {names}'
    nvcc_archs = facts['nvcc']['archs']
    archs = [a for a in DEFAULT_CUDA_ARCHS if nvcc_archs is None or a in nvcc_archs]
    return ';'.join(archs) + '+PTX', ('no GPU visible: the default list '
                                      f'{";".join(DEFAULT_CUDA_ARCHS)}, as far as nvcc supports it')


def _arch_key(arch_list):
    tokens = [t for t in re.split(r'[;\s]+', arch_list.strip()) if t]
    return '_'.join('sm' + re.sub(r'[^0-9A-Za-z+]', '', t).replace('+PTX', '+ptx') for t in tokens)


def plan_mmcv(facts, torch):
    sw, py = facts['switches'], facts['python']
    ops_mode = sw['CDKD_MMCV_OPS'] or 'auto'
    plan = {'version': MMCV_VERSION, 'warnings': []}
    if ops_mode not in ('auto', 'cpu', 'cuda'):
        return dict(plan, action='error', why=f'CDKD_MMCV_OPS={ops_mode!r} is not one of auto, cpu, cuda')
    build = torch.get('build')
    torch_cuda = None if build in (None, 'cpu', 'cuda') else f'{build[2:-1]}.{build[-1]}'
    if torch['action'] == 'keep' and torch['installed']:
        torch_cuda = torch['installed']['cuda']
    nvcc = facts['nvcc']
    if build == 'cpu':
        if ops_mode == 'cuda':
            return dict(plan, action='error', why='CDKD_MMCV_OPS=cuda but torch is a CPU build')
        ops, why = 'cpu', 'torch is a CPU build'
    elif ops_mode == 'cpu':
        ops, why = 'cpu', 'CDKD_MMCV_OPS=cpu'
    elif not nvcc:
        if ops_mode == 'cuda':
            return dict(plan, action='error', why=f'CDKD_MMCV_OPS=cuda but no CUDA toolkit found '
                        f'({facts["nvcc_missing"]}); set CUDA_HOME')
        ops, why = 'cpu', f'torch is a CUDA build but no CUDA toolkit was found ({facts["nvcc_missing"]})'
    elif torch_cuda and nvcc['version'] and nvcc['version'].split('.')[0] != torch_cuda.split('.')[0]:
        mismatch = (f'nvcc {nvcc["version"]} ({nvcc["path"]}) and torch\'s CUDA {torch_cuda} differ in '
                    'major version, which torch\'s extension builder refuses; point CUDA_HOME at a '
                    f'CUDA {torch_cuda.split(".")[0]}.x toolkit for CUDA ops')
        if ops_mode == 'cuda':
            return dict(plan, action='error', why=mismatch)
        ops, why = 'cpu', mismatch
        plan['warnings'].append(mismatch)
    else:
        ops = 'cuda'
        why = f'torch is a CUDA build and nvcc {nvcc["version"]} was found ({nvcc["source"]}: {nvcc["path"]})'
        if torch_cuda is None:
            why += '; re-checked against the CUDA version of the torch pip installs'
        elif nvcc['version'] and nvcc['version'] != torch_cuda:
            plan['warnings'].append(f'nvcc {nvcc["version"]} vs torch\'s CUDA {torch_cuda}: a minor '
                                    'version mismatch, which torch allows with a warning')
    plan.update(ops=ops, why=why)
    jobs = sw['MAX_JOBS'] or str(max(1, min(facts['nproc'], (facts['mem_gib'] or 2 * facts['nproc']) // 2)))
    env = {'MMCV_WITH_OPS': '1', 'MAX_JOBS': jobs}
    if ops == 'cuda':
        plan['arch_list'], plan['arch_why'] = _arch_list(facts)
        env.update(FORCE_CUDA='1', TORCH_CUDA_ARCH_LIST=plan['arch_list'], CUDA_HOME=nvcc['cuda_home'])
    else:
        env['FORCE_CUDA'] = '0'
        if build != 'cpu':
            # mmcv's setup.py compiles CUDA ops whenever torch.cuda.is_available(), FORCE_CUDA=0 or not.
            env['CUDA_VISIBLE_DEVICES'] = ''
            plan['gpu_note'] = (
                'mmcv is built with CPU ops against a CUDA torch: cdkd\'s models (none of which use a '
                'compiled mmcv op) train and test on the GPU, but these mmseg parts fail on CUDA '
                'tensors: ' + '; '.join(f'{k} ({v})' for k, v in MMSEG_PARTS_NEEDING_CUDA_OPS.items()))
    plan['build_env'] = env
    # The wheel-cache key: a CPU torch's entry keeps the name cdkd used before CUDA builds existed.
    if build == 'cuda' and torch_cuda is None:
        plan['cache_dir'] = None
    else:
        tag = torch_build_tag(torch_cuda) if build != 'cpu' else 'cpu'
        abi = torch['installed']['cxx11_abi'] if torch['action'] == 'keep' and torch['installed'] else True
        parts = [f'mmcv-{MMCV_VERSION}', f'torch{torch["version"].split("+")[0]}']
        if tag != 'cpu':
            parts += [tag, 'cpuops' if ops == 'cpu' else _arch_key(plan['arch_list'])]
        parts += ([] if abi else ['abi0']) + [py['py_tag'], py['machine']]
        plan['cache_dir'] = os.path.join(facts['cache'], 'wheels', '-'.join(parts))
        plan['cache_hit'] = bool(glob.glob(os.path.join(plan['cache_dir'], f'mmcv-{MMCV_VERSION}-*.whl')))
    installed = py['mmcv'] if torch['action'] == 'keep' else None
    installed_ops = None if not installed or not installed['ops'] else \
        ('cpu' if installed['ops'] == 'not available' else 'cuda')
    entry = facts.get('mmcv_entry')
    same_entry = entry is None or plan['cache_dir'] is None or entry == os.path.basename(plan['cache_dir'])
    if installed and installed['version'] == MMCV_VERSION and installed_ops == ops and same_entry:
        plan.update(action='keep', why=f'mmcv {MMCV_VERSION} with {ops} ops is installed')
    elif plan['cache_dir'] and plan['cache_hit']:
        plan['action'] = 'install-cached'
    else:
        plan['action'] = 'build'
        if not facts['compiler']:
            plan['warnings'].append('no C++ compiler (c++/g++) on PATH: the mmcv build will fail '
                                    '(Debian/Ubuntu: apt install build-essential)')
        if not py['headers']:
            short = '.'.join(py['version'].split('.')[:2])
            plan['warnings'].append(f'no Python.h for Python {py["version"]}: the mmcv build will fail '
                                    f'(Debian/Ubuntu: apt install python{short}-dev)')
    return plan


def plan_torchvision(facts, torch):
    if facts['switches']['CDKD_WITH_TORCHVISION'] != '1':
        return {'action': 'skip', 'why': 'CDKD_WITH_TORCHVISION=1 installs it'}
    # torchvision 0.(N+15).P is the release for torch 2.N.P (2.13.0 -> 0.28.0).
    major, minor, patch = (_version_tuple(torch['version']) + (0, 0))[:3]
    version = f'0.{minor + 15}.{patch}'
    have = facts['python']['torchvision'] if torch['action'] == 'keep' else None
    if have and have.split('+')[0] == version:
        return {'action': 'keep', 'why': f'torchvision {have} is installed'}
    source = torch['installed']['version'] if torch['action'] == 'keep' else torch['spec']
    label = source.partition('+')[2]
    index = (facts['switches']['CDKD_TORCH_INDEX'] or DEFAULT_TORCH_INDEX).rstrip('/')
    plan = {'action': 'install', 'spec': f'torchvision=={version}' + (f'+{label}' if label else ''),
            'pip_args': ['--index-url', f'{index}/{label}', '--extra-index-url', PYPI] if label else [],
            'why': f'CDKD_WITH_TORCHVISION=1: the torchvision release for torch {torch["version"]}'}
    if facts['local_cpu_wheel'] and torch.get('build') == 'cpu' and not torch.get('pip_args'):
        plan['warning'] = (f'torch may be the local wheel store\'s build ({facts["local_cpu_wheel"]}): '
                           'a torchvision built for PyTorch\'s own wheels may not import beside it '
                           '(the smoke check imports it)')
    return plan


def make_plan(facts):
    py = facts['python']
    plan = {'python': py, 'venv': facts['venv'], 'env_exists': facts['env_exists'], 'warnings': []}
    if _version_tuple(py['version'])[:2] > (3, 12):
        plan['warnings'].append(f'Python {py["version"]}: cdkd is tested on Python 3.10-3.12')
    plan['torch'] = torch = plan_torch(facts)
    if torch.get('warning'):
        plan['warnings'].append(torch['warning'])
    if torch['action'] == 'error':
        plan['error'] = torch['why']
        return plan
    plan['mmcv'] = mmcv = plan_mmcv(facts, torch)
    plan['warnings'] += mmcv['warnings']
    if mmcv['action'] == 'error':
        plan['error'] = mmcv['why']
        return plan
    plan['torchvision'] = tv = plan_torchvision(facts, torch)
    if tv.get('warning'):
        plan['warnings'].append(tv['warning'])
    # What the environment's contents depend on, for install.sh's up-to-date stamp.
    plan['stamp'] = json.dumps([torch.get('build'), torch['version'], torch['mode'], mmcv['ops'],
                                mmcv.get('arch_list'), mmcv['cache_dir'], tv['action'] != 'skip'])
    return plan


def render_text(plan):
    py, lines = plan['python'], []
    where = plan['venv'] if plan['env_exists'] else f'{plan["venv"]} (to be created'
    if not plan['env_exists']:
        where += ', with --system-site-packages)' if plan['torch']['mode'] == 'existing' else ')'
    lines.append(f'environment: {where}, Python {py["version"]} ({py["executable"]})')
    t = plan['torch']
    if t['action'] == 'error':
        lines.append(f'torch: cannot decide: {t["why"]}')
    elif t['action'] == 'keep':
        lines.append(f'torch: keep {t["installed"]["version"]} ({t["build"]} build): {t["why"]}')
    else:
        verb = 'replace with' if t['action'] == 'replace' else 'install'
        lines.append(f'torch: {verb} {t["spec"]} ({t["build"]} build) from {t["source"]}: {t["why"]}')
    m = plan.get('mmcv')
    if m and m['action'] != 'error':
        ops = 'CUDA ops' if m['ops'] == 'cuda' else 'CPU ops'
        lines.append(f'mmcv: {MMCV_VERSION} with {ops}: {m["why"]}')
        if m['ops'] == 'cuda':
            lines.append(f'mmcv arch list: TORCH_CUDA_ARCH_LIST={m["arch_list"]} ({m["arch_why"]})')
        if m.get('gpu_note'):
            lines.append(f'mmcv on GPU: {m["gpu_note"]}')
        if m['cache_dir'] is None:
            lines.append('mmcv cache: decided once torch is installed (its CUDA version is part of the key)')
        else:
            state = 'hit' if m['cache_hit'] else 'miss'
            lines.append(f'mmcv cache: {m["cache_dir"]} ({state})')
        action = {'keep': 'keep the installed mmcv', 'install-cached': 'install the cached wheel',
                  'build': 'build the wheel from the PyPI source, then cache it'}[m['action']]
        if m['cache_dir'] is None:
            action = 'the cached wheel if the entry holds one, else ' + action
        env = ' '.join(f'{k}={shlex.quote(v)}' for k, v in m['build_env'].items())
        lines.append(f'mmcv action: {action}' + (f' ({env})' if m['action'] == 'build' else ''))
    elif m:
        lines.append(f'mmcv: cannot decide: {m["why"]}')
    tv = plan.get('torchvision')
    if tv:
        what = {'skip': 'not installed', 'keep': 'keep', 'install': f'install {tv.get("spec")}'}
        lines.append(f'torchvision: {what[tv["action"]]} ({tv["why"]})')
    if 'error' not in plan:
        lines.append('then: requirements/runtime.txt, requirements/tests.txt, cdkd (editable), smoke check')
    lines += [f'WARNING: {w}' for w in plan['warnings']]
    if 'error' in plan:
        lines.append(f'ERROR: {plan["error"]}')
    return '\n'.join(f'[cdkd install] {line}' for line in lines)


def render_sh(plan):
    def var(name, value):
        if isinstance(value, (list, tuple)):
            return f'{name}=(' + ' '.join(shlex.quote(str(v)) for v in value) + ')'
        return f'{name}={shlex.quote("" if value is None else str(value))}'

    out = [var('PLAN_ERROR', plan.get('error', '')), var('PLAN_TEXT', render_text(plan))]
    if 'error' in plan:
        return '\n'.join(out)
    t, m, tv = plan['torch'], plan['mmcv'], plan['torchvision']
    out += [var('PLAN_TORCH_ACTION', t['action']), var('PLAN_TORCH_SPEC', t.get('spec', '')),
            var('PLAN_TORCH_PIP_ARGS', t.get('pip_args', [])),
            var('PLAN_TORCH_INSTALLED', (t['installed'] or {}).get('version', '')),
            var('PLAN_MMCV_ACTION', m['action']), var('PLAN_MMCV_OPS', m['ops']),
            var('PLAN_MMCV_BUILD_ENV', [f'{k}={v}' for k, v in m['build_env'].items()]),
            var('PLAN_WHEEL_DIR', m['cache_dir']), var('PLAN_MMCV_ENTRY_FILE', MMCV_ENTRY_FILE),
            var('PLAN_TV_ACTION', tv['action']), var('PLAN_TV_SPEC', tv.get('spec', '')),
            var('PLAN_TV_PIP_ARGS', tv.get('pip_args', [])), var('PLAN_STAMP', plan['stamp']),
            var('PLAN_STACK_IMPORTS', int(plan['python'].get('stack_imports', False)))]
    return '\n'.join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--python', required=True, help="the environment's python (or the base python)")
    parser.add_argument('--env-exists', type=int, choices=(0, 1), required=True)
    parser.add_argument('--venv', required=True)
    parser.add_argument('--cache', required=True)
    parser.add_argument('--format', choices=('text', 'sh', 'json'), default='text')
    args = parser.parse_args(argv)
    plan = make_plan(gather_facts(args.python, bool(args.env_exists), args.venv, args.cache,
                                  dict(os.environ)))
    if args.format == 'json':
        print(json.dumps(plan, indent=1))
    else:
        print(render_sh(plan) if args.format == 'sh' else render_text(plan))
    return 1 if args.format == 'text' and 'error' in plan else 0


if __name__ == '__main__':
    sys.exit(main())
