#!/usr/bin/env bash
# Install cdkd and its pinned OpenMMLab stack into a virtual environment, CPU only.
#
#   bash tools/install.sh            # creates/updates ./.venv
#   CDKD_VENV=/path/to/venv bash tools/install.sh
#
# What it does, in order (each step is skipped when already satisfied, so a re-run takes seconds):
#   1. a venv with Python >= 3.10 (python3.11 preferred);
#   2. torch 2.13.0, the CPU wheel (pip resolves it from the machine's wheel store; a CUDA build is refused);
#   3. mmcv 2.1.0 compiled from its PyPI source with CPU ops (MMCV_WITH_OPS=1 FORCE_CUDA=0,
#      --no-build-isolation, setuptools<70 because its setup.py imports pkg_resources). The wheel is
#      cached under ${CDKD_CACHE:-~/.cache/cdkd}/wheels keyed by mmcv, torch and Python versions;
#   4. requirements/runtime.txt, requirements/tests.txt and cdkd itself in editable mode;
#   5. a smoke check: `import cdkd, mmseg.models` and mmcv.ops loaded.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${CDKD_VENV:-$REPO/.venv}
CACHE=${CDKD_CACHE:-$HOME/.cache/cdkd}
TORCH_VERSION=2.13.0
MMCV_VERSION=2.1.0

log() { printf '[cdkd install] %s\n' "$*"; }
die() { printf '[cdkd install] ERROR: %s\n' "$*" >&2; exit 1; }

pick_python() {
    if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
    for candidate in python3.11 python3.12 python3.10 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then echo "$candidate"; return; fi
    done
    die "no python3 found; set PYTHON=/path/to/python3.11"
}

# Hash of everything that decides the environment's contents: unchanged hash + working import = nothing to do.
stamp_of_inputs() {
    cat "$REPO/tools/install.sh" "$REPO/setup.py" "$REPO"/requirements/*.txt | sha256sum | cut -d' ' -f1
}

if [ ! -x "$VENV/bin/python" ]; then
    PY=$(pick_python)
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || die "$PY is older than Python 3.10"
    log "creating virtual environment $VENV with $("$PY" --version)"
    "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
PIP=("$VPY" -m pip --disable-pip-version-check)

STAMP_FILE="$VENV/.cdkd-install-stamp"
STAMP=$(stamp_of_inputs)
if [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$STAMP" ] \
    && "$VPY" -c 'import cdkd, mmseg.models, mmcv.ops' >/dev/null 2>&1; then
    log "environment $VENV is up to date"
    exit 0
fi

# 2. torch, CPU build only.
if ! "$VPY" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    log "installing torch $TORCH_VERSION (CPU wheel)"
    "${PIP[@]}" install "torch==$TORCH_VERSION" "numpy>=1.26,<2.5"  # numpy too: torch warns on import without it
fi
"$VPY" -c "import torch, sys; sys.exit(torch.version.cuda is not None)" \
    || die "the installed torch is a CUDA build; cdkd's install expects the CPU wheel torch==$TORCH_VERSION"

# 3. mmcv with CPU ops, from the wheel cache or built once.
PY_TAG=$("$VPY" -c 'import sys; print(f"cp{sys.version_info.major}{sys.version_info.minor}")')
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$PY_TAG-$(uname -m)"
if ! "$VPY" -c "import mmcv, mmcv.ops, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" >/dev/null 2>&1; then
    if ! ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1; then
        log "building mmcv $MMCV_VERSION with CPU ops from source (once; cached in $WHEEL_DIR)"
        log "this compiles 77 C++ files and takes a while on a small machine"
        "${PIP[@]}" install -r "$REPO/requirements/build.txt"
        "${PIP[@]}" install "numpy>=1.26,<2.5"
        BUILD_LOG=$(mktemp -t cdkd-mmcv-build.XXXXXX.log)
        TMP_WHEELS=$(mktemp -d -t cdkd-mmcv-wheel.XXXXXX)
        # -g0 -O1: debug info and -O3 on the torch headers dominate compile time; the ops are not hot in cdkd.
        # The progress filter may match nothing (pip reuses a wheel from its own cache): the
        # pipeline fails only when pip, tee or sed does.
        if ! CFLAGS="-g0 -O1" CXXFLAGS="-g0 -O1" MMCV_WITH_OPS=1 FORCE_CUDA=0 \
            MAX_JOBS=${MAX_JOBS:-$(nproc)} \
            "${PIP[@]}" wheel -v --no-deps --no-build-isolation --no-binary mmcv \
            "mmcv==$MMCV_VERSION" -w "$TMP_WHEELS" 2>&1 | tee "$BUILD_LOG" \
            | { grep --line-buffered -oE '^ *\[[0-9]+/[0-9]+\] ' || true; } \
            | sed -u 's/^ */[cdkd install] compiling /'; then
            tail -n 40 "$BUILD_LOG" >&2
            die "mmcv build failed; full log: $BUILD_LOG"
        fi
        ls "$TMP_WHEELS"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1 || { tail -n 40 "$BUILD_LOG" >&2; die "mmcv build produced no wheel; full log: $BUILD_LOG"; }
        # Move into the cache only once complete, so an interrupted build never leaves a broken wheel there.
        mkdir -p "$WHEEL_DIR"
        mv "$TMP_WHEELS"/mmcv-"$MMCV_VERSION"-*.whl "$WHEEL_DIR"/
        rm -rf "$TMP_WHEELS" "$BUILD_LOG"
    else
        log "using cached mmcv wheel from $WHEEL_DIR"
    fi
    "${PIP[@]}" install --no-deps "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl
fi

# 4. the rest of the stack and cdkd itself. mmcv's own runtime deps come from its metadata.
log "installing runtime and test requirements and cdkd (editable)"
"${PIP[@]}" install -r "$REPO/requirements/runtime.txt" -r "$REPO/requirements/tests.txt" \
    addict yapf packaging Pillow pyyaml "setuptools>=77.0.3,<81"
"${PIP[@]}" install --no-deps --no-build-isolation -e "$REPO"

# 5. smoke check.
"$VPY" - <<'EOF'
import torch, mmcv, mmcv.ops, mmengine, mmseg, mmseg.models, cdkd
print(f'[cdkd install] ok: cdkd {cdkd.__version__}, torch {torch.__version__}, mmcv {mmcv.__version__} '
      f'(ops), mmengine {mmengine.__version__}, mmseg {mmseg.__version__}')
EOF
echo "$STAMP" > "$STAMP_FILE"
