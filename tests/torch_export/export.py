#!/usr/bin/python3
"""Exports PyTorch models to ONNX as ONNX backend-test folders, torch's outputs the reference.

    tests/torch_export/export.py OUT_DIR [NAME ...]

Two sets: whole torchvision architectures, and small torch.nn models of the layers real exports
carry that those do not (recurrent layers, transformer blocks, transposed convolutions, the
interpolation modes, ...). Each is built with random weights (seed 0; no download; see
condition()), run by torch on a random input, exported with torch.onnx.export (opset 17, or
ONYX_EXPORT_OPSET) and written as OUT_DIR/NAME/model.onnx with test_data_set_0/input_K.pb and
output_K.pb, for `onyx test`.

The architectures cover squeeze-excitation, hard-swish and SiLU, channel shuffle, grouped and
3-D convolutions, dense concatenation, LayerNormalization and Erf-GELU, window attention with
rolls (Swin), multi-head attention (ViT), bilinear Resize (segmentation), GridSample in an
iterative flow update (RAFT) and dynamic batch and image dimensions. Detection models are left
out: with random weights their scores tie, and which of two tied boxes comes first is torch's
choice, not the ONNX TopK rule (ONNX Runtime agrees with Onyx on SSDlite).
Prints one line per model: "exported NAME" or "FAILED NAME: why".
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from onnx import numpy_helper

M = torchvision.models


# --- torchvision architectures ---

def vit_small():
    return M.VisionTransformer(image_size=64, patch_size=16, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128,
                               num_classes=10)


class Raft(nn.Module):
    """RAFT-small with two flow updates; the last flow field is the output."""

    def __init__(self):
        super().__init__()
        self.m = M.optical_flow.raft_small(weights=None)

    def forward(self, a, b):
        return self.m(a, b, num_flow_updates=2)[-1]


def segmentation(make):
    class Out(nn.Module):  # the "out" entry of the model's dict
        def __init__(self):
            super().__init__()
            self.m = make(weights=None, weights_backbone=None)

        def forward(self, x):
            return self.m(x)["out"]

    return Out


# --- layers ---

class Layers(nn.Module):
    """forward(*inputs) = f(self.layers, *inputs)."""

    def __init__(self, f, *layers):
        super().__init__()
        self.f = f
        self.layers = nn.ModuleList(layers)

    def forward(self, *inputs):
        return self.f(self.layers, *inputs)


def layers(f, *make):
    return lambda: Layers(f, *(m() for m in make))


class TextCNN(nn.Module):
    """Token ids -> Embedding (Gather) -> Conv1d -> max over time -> Linear."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 32)
        self.conv = nn.Conv1d(32, 16, 3, padding=1)
        self.fc = nn.Linear(16, 4)

    def forward(self, tokens):
        return self.fc(F.relu(self.conv(self.embed(tokens).transpose(1, 2))).amax(-1))

    @staticmethod
    def example_inputs():
        return (torch.randint(0, 100, (2, 12)),)


def causal_decoder(layers, target, memory):
    mask = torch.triu(torch.full((target.shape[0], target.shape[0]), float("-inf")), 1)
    return layers[0](target, memory, tgt_mask=mask)


def interpolations(_, x):
    return (F.interpolate(x, scale_factor=2, mode="nearest"),
            F.interpolate(x, size=(14, 10), mode="bilinear", align_corners=True),
            F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=False),
            F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False))


def pools(_, x):
    return (F.adaptive_avg_pool2d(x, (2, 3)), F.adaptive_max_pool2d(x, 1),
            F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), F.max_pool2d(x, 3, 2, 0, ceil_mode=True))


def activations(_, x):
    return torch.stack([F.gelu(x), F.gelu(x, approximate="tanh"), F.silu(x), F.mish(x), F.elu(x), F.selu(x),
                        F.celu(x, 0.5), F.softplus(x), F.hardtanh(x, -0.5, 0.7), F.leaky_relu(x, 0.1), F.logsigmoid(x),
                        F.softsign(x), torch.erf(x), F.prelu(x, torch.tensor([0.25])), F.glu(torch.cat([x, 2 * x], -1))])


def padded_attention(layers, query, key):
    padding = torch.tensor([[False] * 5 + [True] * 2, [False] * 7])  # the first batch's last two keys are padding
    return layers[0](query, key, key, key_padding_mask=padding)[0]


# name: (constructor, input shapes, dynamic axes of input 0 or None). A model with an
# example_inputs() method makes its own inputs.
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
    "lstm_bidirectional": (layers(lambda l, x: l[0](x)[0], lambda: nn.LSTM(16, 24, num_layers=2, bidirectional=True,
                                                                          batch_first=True)), [(3, 7, 16)], None),
    "gru": (layers(lambda l, x: l[0](x)[0], lambda: nn.GRU(16, 20)), [(7, 2, 16)], None),
    "rnn_tanh_state": (layers(lambda l, x: l[0](x)[1], lambda: nn.RNN(8, 12, num_layers=2)), [(5, 3, 8)], None),
    "transformer_encoder": (layers(lambda l, x: l[0](x), lambda: nn.TransformerEncoder(
        nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True), 2)), [(2, 10, 32)], {1: "sequence"}),
    "transformer_decoder_causal": (layers(causal_decoder, lambda: nn.TransformerDecoder(
        nn.TransformerDecoderLayer(32, 4, 64, dropout=0.0), 1)), [(6, 2, 32), (9, 2, 32)], None),
    "attention_key_padding": (layers(padded_attention, lambda: nn.MultiheadAttention(16, 2, batch_first=True)),
                              [(2, 4, 16), (2, 7, 16)], None),
    "text_cnn": (TextCNN, [], None),
    "interpolations": (layers(interpolations), [(1, 3, 7, 5)], None),
    "pixel_shuffle": (layers(lambda l, x: F.pixel_unshuffle(F.pixel_shuffle(l[0](x), 2), 2),
                             lambda: nn.Conv2d(4, 16, 3, padding=1)), [(1, 4, 6, 8)], None),
    "conv_transpose": (layers(lambda l, x: l[1](l[0](x)),
                              lambda: nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
                              lambda: nn.ConvTranspose2d(6, 4, (2, 3), stride=(1, 2), dilation=2)), [(1, 8, 5, 7)], None),
    "norms": (layers(lambda l, x: l[2](l[1](l[0](x))), lambda: nn.InstanceNorm2d(8, affine=True),
                     lambda: nn.GroupNorm(4, 8), lambda: nn.LayerNorm([5, 6])), [(2, 8, 5, 6)], None),
    "pads": (layers(lambda l, x: (F.pad(x, (1, 2, 0, 1), mode="reflect"), F.pad(x, (2, 1, 1, 0), mode="replicate"),
                                  F.pad(x, (1, 1, 1, 1), value=3.0))), [(1, 2, 5, 6)], None),
    "pools": (layers(pools), [(1, 2, 8, 9)], None),
    "einsum_topk": (layers(lambda l, x, y: torch.einsum("bij,bjk->bik", x, y).topk(3, dim=-1)[0] +
                           torch.einsum("bij->bi", x)[:, :, None]), [(2, 4, 5), (2, 5, 6)], None),
    "cumsum_argmax_where": (layers(lambda l, x: torch.cumsum(x, 1) * x.argmax(1, keepdim=True).float() +
                                   x.masked_fill(x > 0.5, -1.0)), [(3, 7)], None),
    "activations": (layers(activations), [(3, 11)], None),
}


def condition(model, shapes):
    """Weights that keep every layer's activations near unit scale, so the outputs are not near
    zero (torchvision zero-initialises some heads; deep random nets shrink their signal) and a
    wrong kernel shows. Convolutions and linear layers: He-normal weights, small random biases.
    Batch norms: random scale and shift, running statistics from one training-mode pass over a
    calibration batch (two images at least: a 1x1 feature map needs two values per channel)."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m in model.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.uniform_(m.bias, -0.1, 0.1)
    for m in norms:
        m.momentum = 1.0  # running statistics = the calibration batch's
        nn.init.uniform_(m.weight, 0.5, 1.5)
        nn.init.uniform_(m.bias, -0.2, 0.2)
    if norms:
        model.train()
        with torch.no_grad():
            model(*(torch.randn(max(s[0], 2), *s[1:]) for s in shapes))
    model.eval()


def write(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(array), name).SerializeToString())


def export(name, out_dir, opset):
    make, shapes, dynamic = MODELS[name]
    folder = os.path.join(out_dir, name)
    data = os.path.join(folder, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    torch.manual_seed(0)
    model = make()
    condition(model, shapes)
    inputs = model.example_inputs() if hasattr(model, "example_inputs") else tuple(torch.randn(*s) for s in shapes)
    with torch.no_grad():
        outputs = model(*inputs)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    names = [f"input_{i}" for i in range(len(inputs))]
    path = os.path.join(folder, "model.onnx")
    torch.onnx.export(model, inputs, path, opset_version=opset, input_names=names,
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
    opset = int(os.environ.get("ONYX_EXPORT_OPSET", "17"))
    for name in sys.argv[2:] or list(MODELS):
        try:
            export(name, out_dir, opset)
            print(f"exported {name}", flush=True)
        except Exception as e:  # the line says which model and why; the others still run
            print(f"FAILED {name}: {type(e).__name__}: {str(e)[:300]}", flush=True)


if __name__ == "__main__":
    main()
