#!/usr/bin/env bash
# Distributed training with torchrun and mmengine's pytorch launcher (mmseg/open-cd style):
#   bash tools/dist_train.sh CONFIG NPROC [train.py options...]
# NCCL on GPUs; without CUDA tools/train.py switches to gloo (CPU). Multi-node: set NNODES,
# NODE_RANK, MASTER_ADDR, PORT. PYTHON picks the interpreter (default: python).
set -euo pipefail
CONFIG=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
PYTHON=${PYTHON:-python}
TOOLS=$(cd "$(dirname "$0")" && pwd)

PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" --master_port="$PORT" \
    "$TOOLS/train.py" "$CONFIG" --launcher pytorch "${@:3}"
