#!/usr/bin/env bash
# Sets up, builds, and runs the bundled camera demo plus one reference model with timing.
set -eu
cd "$(dirname "$0")/.."
tools/setup.sh >/dev/null
echo "== onyx demo (graphs built in memory, synthetic frames)"
build/tools/onyx demo
if [ -d ../shared/models/motion_detect ]; then
  echo "== onyx test ../shared/models/motion_detect (reference outputs from ONNX Runtime)"
  build/tools/onyx test ../shared/models/motion_detect
  echo "== onyx bench ../shared/models/mnist_cnn/model.onnx"
  build/tools/onyx bench ../shared/models/mnist_cnn/model.onnx --runs 10
fi
