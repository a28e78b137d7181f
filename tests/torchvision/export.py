#!/usr/bin/python3
"""Exports torchvision models to ONNX as ONNX backend-test folders, torch's outputs the reference.

    tests/torchvision/export.py OUT_DIR [NAME ...]

Each model is built with random weights (seed 0; no download; see condition()), run by torch
on a random input,
exported with torch.onnx.export and written as OUT_DIR/NAME/model.onnx with
test_data_set_0/input_K.pb and output_K.pb, for `onyx test`. The set covers what real exports
contain beyond ../shared/models: squeeze-excitation, hard-swish and SiLU, channel shuffle,
grouped and 3-D convolutions, dense concatenation, LayerNormalization and Erf-GELU, window
attention with rolls (Swin), multi-head attention (ViT), bilinear Resize (segmentation),
GridSample in an iterative flow update (RAFT) and dynamic batch and image dimensions.
Detection models are left out: with random weights their scores tie, and which of two tied boxes
comes first is not the same in torch as in the ONNX TopK spec (ONNX Runtime agrees with Onyx).
Prints one line per model: "exported NAME" or "FAILED NAME: why".
"""
import os
import sys

import numpy as np
import onnx
import torch
import torchvision
from onnx import numpy_helper

M = torchvision.models


def vit_small():
    return M.VisionTransformer(image_size=64, patch_size=16, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128,
                               num_classes=10)


class Raft(torch.nn.Module):
    """RAFT-small with two flow updates; the last flow field is the output."""

    def __init__(self):
        super().__init__()
        self.m = M.optical_flow.raft_small(weights=None)

    def forward(self, a, b):
        return self.m(a, b, num_flow_updates=2)[-1]


def segmentation(make):
    class Out(torch.nn.Module):  # the "out" entry of the model's dict
        def __init__(self):
            super().__init__()
            self.m = make(weights=None, weights_backbone=None)

        def forward(self, x):
            return self.m(x)["out"]

    return Out


# name: (constructor, input shapes, dynamic axes of input 0 or None)
MODELS = {
    "mobilenet_v3_small": (M.mobilenet_v3_small, [(1, 3, 224, 224)], None),
    "shufflenet_v2": (M.shufflenet_v2_x1_0, [(1, 3, 224, 224)], None),
    "efficientnet_b0": (M.efficientnet_b0, [(1, 3, 224, 224)], None),
    "regnet_y_400mf": (M.regnet_y_400mf, [(1, 3, 224, 224)], None),
    "googlenet": (lambda: M.googlenet(aux_logits=False, init_weights=True), [(1, 3, 224, 224)], None),
    "densenet121": (M.densenet121, [(1, 3, 224, 224)], None),
    "convnext_tiny": (M.convnext_tiny, [(1, 3, 224, 224)], None),
    "swin_t": (M.swin_t, [(1, 3, 224, 224)], None),
    "vit_small": (vit_small, [(2, 3, 64, 64)], None),
    "lraspp_mobilenet_v3": (segmentation(M.segmentation.lraspp_mobilenet_v3_large), [(1, 3, 224, 224)], None),
    "mc3_18": (M.video.mc3_18, [(1, 3, 4, 64, 64)], None),
    "raft_small": (Raft, [(1, 3, 128, 128), (1, 3, 128, 128)], None),
    "resnet18_dynamic": (M.resnet18, [(3, 3, 96, 128)], {0: "batch", 2: "height", 3: "width"}),
}


def condition(model, shapes):
    """Weights that keep every layer's activations near unit scale, so the outputs are not near
    zero (torchvision zero-initialises some heads; deep random nets shrink their signal) and a
    wrong kernel shows. Convolutions and linear layers: He-normal weights, small random biases.
    Batch norms: random scale and shift, running statistics from one training-mode pass over a
    calibration batch (two images at least: a 1x1 feature map needs two values per channel)."""
    norms = (torch.nn.modules.batchnorm._BatchNorm,)
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.Linear)):
            torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                torch.nn.init.uniform_(m.bias, -0.1, 0.1)
        elif isinstance(m, norms):
            m.momentum = 1.0  # running statistics = the calibration batch's
            torch.nn.init.uniform_(m.weight, 0.5, 1.5)
            torch.nn.init.uniform_(m.bias, -0.2, 0.2)
    model.train()
    with torch.no_grad():
        model(*(torch.rand(max(s[0], 2), *s[1:]) for s in shapes))
    model.eval()


def write(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(array), name).SerializeToString())


def export(name, out_dir):
    make, shapes, dynamic = MODELS[name]
    folder = os.path.join(out_dir, name)
    data = os.path.join(folder, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    torch.manual_seed(0)
    model = make()
    condition(model, shapes)
    inputs = tuple(torch.rand(*s) for s in shapes)
    with torch.no_grad():
        outputs = model(*inputs)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    names = [f"input_{i}" for i in range(len(inputs))]
    path = os.path.join(folder, "model.onnx")
    torch.onnx.export(model, inputs, path, opset_version=17, input_names=names,
                      dynamic_axes={names[0]: dynamic} if dynamic else None)
    graph = onnx.load(path).graph
    for i, (x, info) in enumerate(zip(inputs, graph.input)):
        write(os.path.join(data, f"input_{i}.pb"), x.numpy(), info.name)
    for i, (y, info) in enumerate(zip(outputs, graph.output)):
        write(os.path.join(data, f"output_{i}.pb"), y.detach().numpy(), info.name)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    for name in sys.argv[2:] or list(MODELS):
        try:
            export(name, out_dir)
            print(f"exported {name}", flush=True)
        except Exception as e:  # the line says which model and why; the others still run
            print(f"FAILED {name}: {type(e).__name__}: {str(e)[:300]}", flush=True)


if __name__ == "__main__":
    main()
