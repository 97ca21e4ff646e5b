#!/usr/bin/env bash
# Install cdkd and its pinned OpenMMLab stack (torch 2.13.0, mmcv 2.1.0 with ops, mmengine 0.10.7,
# mmsegmentation 1.2.2) into a virtual environment, with a CPU or a CUDA torch.
#
#   bash tools/install.sh              # creates/updates ./.venv
#   bash tools/install.sh --dry-run    # prints every decision (torch, mmcv build, cache entry), installs nothing
#   CDKD_VENV=/path/to/venv bash tools/install.sh
#
# Switches (README, "Install"): CDKD_TORCH=auto|cpu|cuXYZ|cuda|existing, CDKD_TORCH_INDEX,
# CDKD_MMCV_OPS=auto|cpu|cuda, CDKD_WITH_TORCHVISION=1, TORCH_CUDA_ARCH_LIST, CUDA_HOME, MAX_JOBS,
# CDKD_CACHE (wheel cache, default ~/.cache/cdkd), PYTHON (the Python the venv is made from).
# The decisions are taken by tools/install_plan.py; this script carries them out, in order (each step
# is skipped when already satisfied, so a re-run takes seconds):
#   1. a venv with Python >= 3.10 (python3.11 preferred; CDKD_TORCH=existing: layered on $PYTHON's
#      site-packages, so that Python's torch is used);
#   2. torch 2.13.0: kept if installed, else the CPU wheel (no GPU) or the CUDA build (GPU visible);
#   3. mmcv 2.1.0 compiled from its PyPI source with CPU or CUDA ops (--no-build-isolation,
#      setuptools<70 because its setup.py imports pkg_resources), cached under
#      $CDKD_CACHE/wheels/<key> where the key names mmcv, torch (version, cpu/cuXYZ), the ops
#      (cpuops or the CUDA arch list), Python and the machine;
#   4. torchvision only with CDKD_WITH_TORCHVISION=1;
#   5. requirements/runtime.txt, requirements/tests.txt and cdkd itself in editable mode;
#   6. a smoke check: `import cdkd, mmseg.models` and mmcv.ops loaded (with CUDA ops if planned).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${CDKD_VENV:-$REPO/.venv}
CACHE=${CDKD_CACHE:-$HOME/.cache/cdkd}

log() { printf '[cdkd install] %s\n' "$*"; }
die() { printf '[cdkd install] ERROR: %s\n' "$*" >&2; exit 1; }

DRY_RUN=0
case "${1:-}" in
    --dry-run) DRY_RUN=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    '') ;;
    *) die "unknown argument '$1' (use --dry-run or --help)" ;;
esac

pick_python() {
    if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
    # CDKD_TORCH=existing: the Python that has the torch, i.e. the active conda env / module.
    local candidates="python3.11 python3.12 python3.10 python3"
    [ "${CDKD_TORCH:-}" = existing ] && candidates="python3 python"
    for candidate in $candidates; do
        if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
    done
    die "no python3 found; set PYTHON=/path/to/python3.11"
}

# The plan for the environment as it is now (shell variables PLAN_*; see tools/install_plan.py).
plan() {
    local exists=0 py
    if [ -x "$VENV/bin/python" ]; then exists=1 py=$VENV/bin/python; else py=$BASE_PY; fi
    "$py" "$REPO/tools/install_plan.py" --python "$py" --env-exists "$exists" --venv "$VENV" \
        --cache "$CACHE" "$@"
}

BASE_PY=
if [ ! -x "$VENV/bin/python" ]; then
    BASE_PY=$(pick_python)
    "$BASE_PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || die "$BASE_PY is older than Python 3.10"
fi

if [ "$DRY_RUN" = 1 ]; then
    log "dry run: nothing is installed; the plan for this machine and environment:"
    plan --format text
    exit $?
fi

if [ ! -x "$VENV/bin/python" ]; then
    VENV_ARGS=()
    [ "${CDKD_TORCH:-}" = existing ] && VENV_ARGS=(--system-site-packages)
    log "creating virtual environment $VENV with $("$BASE_PY" --version) ${VENV_ARGS[*]}"
    "$BASE_PY" -m venv "${VENV_ARGS[@]}" "$VENV"
fi
VPY="$VENV/bin/python"
PIP=("$VPY" -m pip --disable-pip-version-check)

PLAN_SH=$(plan --format sh) || die "tools/install_plan.py failed (see above)"
eval "$PLAN_SH"
[ -z "$PLAN_ERROR" ] || { printf '%s\n' "$PLAN_TEXT"; die "$PLAN_ERROR"; }

# Hash of everything that decides the environment's contents: unchanged hash + working import = nothing to do.
stamp_of_inputs() {
    { cat "$REPO/tools/install.sh" "$REPO/tools/install_plan.py" "$REPO/setup.py" "$REPO"/requirements/*.txt
      echo "$PLAN_STAMP"; } | sha256sum | cut -d' ' -f1
}
STAMP_FILE="$VENV/.cdkd-install-stamp"
# (the plan's probe has imported cdkd, mmseg.models and mmcv.ops in the environment)
if [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$(stamp_of_inputs)" ] && [ "$PLAN_STACK_IMPORTS" = 1 ]; then
    log "environment $VENV is up to date (torch $PLAN_TORCH_INSTALLED, mmcv with $PLAN_MMCV_OPS ops; --dry-run shows the plan)"
    exit 0
fi
printf '%s\n' "$PLAN_TEXT"

# 2. torch.
if [ "$PLAN_TORCH_ACTION" != keep ]; then
    [ "$PLAN_TORCH_ACTION" = replace ] && "${PIP[@]}" uninstall -y torch
    log "installing $PLAN_TORCH_SPEC ${PLAN_TORCH_PIP_ARGS[*]}"
    # numpy too: torch warns on import without it
    "${PIP[@]}" install "${PLAN_TORCH_PIP_ARGS[@]}" "$PLAN_TORCH_SPEC" "numpy>=1.26,<2.5"
    WANTED=$PLAN_TORCH_SPEC
    # Now with torch installed: the mmcv build follows from its CUDA version.
    PLAN_SH=$(plan --format sh) || die "tools/install_plan.py failed (see above)"
    eval "$PLAN_SH"
    [ -z "$PLAN_ERROR" ] || die "$PLAN_ERROR"
    [ "$PLAN_TORCH_ACTION" = keep ] \
        || die "pip installed torch $PLAN_TORCH_INSTALLED for $WANTED, not the build the plan asks for; see the plan above"
    printf '%s\n' "$PLAN_TEXT" | grep -E '^\[cdkd install\] (mmcv|WARNING)' || true
fi
# Later installs must never replace the torch settled on here.
CONSTRAINTS="$VENV/.cdkd-constraints.txt"
echo "torch==$PLAN_TORCH_INSTALLED" > "$CONSTRAINTS"
PIP_C=("${PIP[@]}" install -c "$CONSTRAINTS")

# 3. mmcv, from the wheel cache or built once.
if [ "$PLAN_MMCV_ACTION" = build ]; then
    LOG_DIR="$CACHE/logs"
    mkdir -p "$LOG_DIR"
    BUILD_LOG="$LOG_DIR/$(basename "$PLAN_WHEEL_DIR").log"
    log "building mmcv 2.1.0 with $PLAN_MMCV_OPS ops from source (once; cached in $PLAN_WHEEL_DIR; log: $BUILD_LOG)"
    log "this compiles 77 C++ files (CPU ops) or about 150 C++/CUDA files (CUDA ops) and takes a while"
    "${PIP_C[@]}" -r "$REPO/requirements/build.txt" "numpy>=1.26,<2.5"
    TMP_WHEELS=$(mktemp -d -t cdkd-mmcv-wheel.XXXXXX)
    # -g0 -O1: debug info and -O3 on the torch headers dominate compile time; the ops are not hot in cdkd.
    # The progress filter may match nothing (pip reuses a wheel from its own cache): the
    # pipeline fails only when pip, tee or sed does.
    if ! env CFLAGS="-g0 -O1" CXXFLAGS="-g0 -O1" "${PLAN_MMCV_BUILD_ENV[@]}" \
        "${PIP[@]}" wheel -v --no-deps --no-build-isolation --no-binary mmcv \
        "mmcv==2.1.0" -w "$TMP_WHEELS" 2>&1 | tee "$BUILD_LOG" \
        | { grep --line-buffered -oE '^ *\[[0-9]+/[0-9]+\] ' || true; } \
        | sed -u 's/^ */[cdkd install] compiling /'; then
        tail -n 40 "$BUILD_LOG" >&2
        rm -rf "$TMP_WHEELS"
        die "mmcv build failed; full log: $BUILD_LOG (usual causes: README, 'When the mmcv build fails')"
    fi
    ls "$TMP_WHEELS"/mmcv-2.1.0-*.whl >/dev/null 2>&1 || { tail -n 40 "$BUILD_LOG" >&2; die "mmcv build produced no wheel; full log: $BUILD_LOG"; }
    # Move into the cache only once complete, so an interrupted build never leaves a broken wheel there.
    mkdir -p "$PLAN_WHEEL_DIR"
    mv "$TMP_WHEELS"/mmcv-2.1.0-*.whl "$PLAN_WHEEL_DIR"/
    rm -rf "$TMP_WHEELS"
elif [ "$PLAN_MMCV_ACTION" = install-cached ]; then
    log "using cached mmcv wheel from $PLAN_WHEEL_DIR"
fi
if [ "$PLAN_MMCV_ACTION" != keep ]; then
    "${PIP_C[@]}" --no-deps --force-reinstall "$PLAN_WHEEL_DIR"/mmcv-2.1.0-*.whl
    basename "$PLAN_WHEEL_DIR" > "$VENV/$PLAN_MMCV_ENTRY_FILE"  # a later change of torch or arch list reinstalls it
fi

# 4. torchvision (opt-in).
if [ "$PLAN_TV_ACTION" = install ]; then
    log "installing $PLAN_TV_SPEC ${PLAN_TV_PIP_ARGS[*]}"
    "${PIP_C[@]}" "${PLAN_TV_PIP_ARGS[@]}" "$PLAN_TV_SPEC"
fi

# 5. the rest of the stack and cdkd itself. mmcv's own runtime deps come from its metadata.
log "installing runtime and test requirements and cdkd (editable)"
"${PIP_C[@]}" -r "$REPO/requirements/runtime.txt" -r "$REPO/requirements/tests.txt" \
    addict yapf packaging Pillow pyyaml "setuptools>=77.0.3,<81"
"${PIP[@]}" install --no-deps --no-build-isolation -e "$REPO"

# 6. smoke check.
CDKD_MMCV_OPS_PLANNED=$PLAN_MMCV_OPS CDKD_WITH_TV=$([ "$PLAN_TV_ACTION" = skip ] && echo 0 || echo 1) \
"$VPY" - <<'EOF'
import os, shutil
import torch, mmcv, mmcv.ops, mmengine, mmseg, mmseg.models, cdkd
ops = mmcv.ops.get_compiling_cuda_version()
if os.environ['CDKD_MMCV_OPS_PLANNED'] == 'cuda' and ops == 'not available':
    raise SystemExit('[cdkd install] ERROR: mmcv was planned with CUDA ops but has CPU ops only')
extra = ''
if os.environ['CDKD_WITH_TV'] == '1':
    try:
        import torchvision
    except Exception as e:
        raise SystemExit(f'[cdkd install] ERROR: torchvision does not import beside torch {torch.__version__}: '
                         f'{e}; `pip uninstall torchvision` and re-run without CDKD_WITH_TORCHVISION')
    extra = f', torchvision {torchvision.__version__}'
print(f'[cdkd install] ok: cdkd {cdkd.__version__}, torch {torch.__version__}, mmcv {mmcv.__version__} '
      f'({"CUDA " + ops if ops != "not available" else "CPU"} ops), mmengine {mmengine.__version__}, '
      f'mmseg {mmseg.__version__}{extra}')
if torch.version.cuda and shutil.which('nvidia-smi') and not torch.cuda.is_available():
    print(f'[cdkd install] WARNING: torch {torch.__version__} (CUDA {torch.version.cuda}) sees no GPU: '
          'is the NVIDIA driver older than this CUDA version needs? (nvidia-smi shows the highest it supports)')
EOF
echo "$(stamp_of_inputs)" > "$STAMP_FILE"
