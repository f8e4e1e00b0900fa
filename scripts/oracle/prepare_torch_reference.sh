#!/usr/bin/env bash
# The independent PyTorch reference run of fixtures/models/classifier.onnx (fixtures/runs/README.md).
#
#   prepare              here (Node, no GPU): build, save the preprocessed photos to .oracle/inputs/,
#                        check the graph interpretation with the numpy engine against ONNX Runtime,
#                        and (re)write fixtures/runs/classifier-numpy
#   gpu OUT              on the GPU machine (Python + PyTorch, no Node): run the torch engine on CUDA
#                        and leave OUT/classifier-pytorch.tgz and OUT/torch_reference.log
#   unpack TARBALL       here: unpack into fixtures/runs/classifier-pytorch and compare it with ORT
#
# Run from anywhere; everything happens in the repository root. PYTHON picks the interpreter
# (default: /usr/bin/python3 here, python3 on the GPU machine). It needs numpy and Pillow >= 13:
# the inputs are saved with the default --pipeline pil, and torch_reference.py --images recomputes
# each one with the article's real PIL + numpy code and requires byte equality (Pillow 13 changed the
# resize pass order for images whose height shrinks much more than their width, e.g. rocket.jpg).
set -euo pipefail
cd "$(dirname "$0")/../.."

MODEL=fixtures/models/classifier.onnx
PHOTOS=fixtures/images/photos
INPUTS=.oracle/inputs
CLI=dist/src/cli/main.js

die() { echo "prepare_torch_reference: $*" >&2; exit 2; }

# The README's command, against a saved run: it must pass at the default tolerance.
compare_with_ort() {
  node "$CLI" compare "$MODEL" "$1" "$PHOTOS" --no-progress
}

case "${1:-prepare}" in
  prepare)
    PY=${PYTHON:-/usr/bin/python3}
    # tsc still emits when an unrelated file has type errors; what we need is the CLI.
    npx tsc -p . >/dev/null || echo "prepare_torch_reference: tsc reported errors (continuing: only $CLI is needed)" >&2
    [ -f "$CLI" ] || die "$CLI missing after tsc"
    grep -qx '/.oracle/' .git/info/exclude 2>/dev/null || die ".oracle/ is not in .git/info/exclude; add the line '/.oracle/' so the inputs never get committed"
    rm -rf "$INPUTS" .oracle/classifier-numpy
    # Keys are the image paths relative to the folder given ("astronaut.jpg"), as in the README's command.
    node "$CLI" compare "$MODEL" "$MODEL" "$PHOTOS" --save-inputs "$INPUTS" --no-progress >/dev/null
    "$PY" scripts/oracle/torch_reference.py "$INPUTS" "$MODEL" .oracle/classifier-numpy --engine numpy --images "$PHOTOS"
    compare_with_ort .oracle/classifier-numpy
    rm -rf fixtures/runs/classifier-numpy
    mkdir -p fixtures/runs && cp -r .oracle/classifier-numpy fixtures/runs/classifier-numpy
    echo
    echo "Inputs ready in $INPUTS ($(du -sh "$INPUTS" | cut -f1)). On the GPU machine, carrying .oracle, run:"
    echo "  bash scripts/oracle/prepare_torch_reference.sh gpu \"\$OUT\""
    ;;
  gpu)
    OUT=${2:?usage: prepare_torch_reference.sh gpu OUT_DIR}
    PY=${PYTHON:-python3}
    [ -f "$INPUTS/manifest.json" ] || die "$INPUTS/manifest.json missing: run 'prepare' here and carry .oracle to this machine"
    WORK=$(mktemp -d)
    # pipefail: a failing script must fail the command, not the tee.
    "$PY" scripts/oracle/torch_reference.py "$INPUTS" "$MODEL" "$WORK/classifier-pytorch" --device "${DEVICE:-cuda}" --images "$PHOTOS" 2>&1 | tee "$OUT/torch_reference.log"
    tar -C "$WORK" -czf "$OUT/classifier-pytorch.tgz" classifier-pytorch
    echo "wrote $OUT/classifier-pytorch.tgz"
    ;;
  unpack)
    TARBALL=${2:?usage: prepare_torch_reference.sh unpack classifier-pytorch.tgz}
    DEST=fixtures/runs/classifier-pytorch
    [ -e "$DEST" ] && die "$DEST exists; remove it first to replace it"
    tar -tzf "$TARBALL" | grep -qv '^classifier-pytorch/' && die "$TARBALL holds files outside classifier-pytorch/"
    tar -C fixtures/runs --no-same-owner --no-same-permissions -xzf "$TARBALL"
    chmod -R u+w,go-w "$DEST"
    [ -f "$CLI" ] || npx tsc -p . >/dev/null || true
    compare_with_ort "$DEST"
    ;;
  *)
    die "unknown step '$1' (prepare | gpu OUT | unpack TARBALL)"
    ;;
esac
