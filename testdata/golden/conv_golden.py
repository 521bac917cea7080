#!/usr/bin/python3
"""PyTorch oracle for the convolution kernels of package conv.

Written from /work/shared/spec/ccl-reference.md (§2 conv pairs, §9 autoencoder):
the layers the paper's CNNs use are conv 3x3 stride 2 pad 1 with bias, conv 3x3
stride 1 pad 1 without bias followed by max-pool 2x2, nearest upsample x2
followed by conv 3x3 stride 1 pad 1, plus 1x1 and 5x5 convolutions as extra
coverage. Every gradient comes from autograd.

Run from the repository root with Debian's python (PyTorch 1.13 CPU; the
`python3` first on PATH has no torch):

    /usr/bin/python3 testdata/golden/conv_golden.py

It (re)writes testdata/golden/conv_ops.json. Output is deterministic (fixed
seed, float32, one thread, deterministic algorithms): running it twice gives
byte-identical files.

File format: the one of testdata/golden/README.md (version 1, "tensors":
{name: {"shape", "data"}}, flat row-major data, floats written as the shortest
decimal that round-trips to the same float32; integer tensors as integers).
All tensors are in PyTorch's layout: feature maps NCHW, weights
(Cout, Cin, K, K); the Go test permutes NCHW <-> NHWC.

Cases (tensor names are "<case>.<name>"; "config" holds "<case>.stride" and
"<case>.pad" for every convolution):

| case    | ops                                              | x (NCHW)    | w            |
|---------|--------------------------------------------------|-------------|--------------|
| s2_bias | conv 3x3 stride 2 pad 1, bias (odd 7x7 input)    | 2x3x7x7     | 4x3x3x3      |
| k1      | conv 1x1 stride 1 pad 0, bias                    | 2x5x4x6     | 3x5x1x1      |
| k5      | conv 5x5 stride 1 pad 2, bias                    | 2x2x6x5     | 3x2x5x5      |
| pool    | conv 3x3 s1 p1 no bias, then max-pool 2x2 s2     | 2x3x6x8     | 5x3x3x3      |
| up      | nearest upsample x2, then conv 3x3 s1 p1, bias   | 2x3x3x4     | 2x3x3x3      |
| ties    | max-pool 2x2 s2 alone, input with many ties,     | 2x3x5x6     | -            |
|         | -inf windows and an odd (dropped) last row/col   |             |              |
| narrow  | conv 3x3 stride 1 pad 1, bias, 32 -> 3 channels  | 2x32x5x6    | 3x32x3x3     |
| narrow_s2 | conv 3x3 stride 2 pad 1, bias, 20 -> 2 channels | 2x20x7x7   | 2x20x3x3     |

Names per case:
- conv cases (s2_bias, k1, k5, narrow, narrow_s2): x, w, b (if bias), y (conv output), gy (upstream gradient of y,
  random), gx, gw, gb (autograd's gradients of sum(y * gy)).
- pool: x, w, conv (conv output), y (pooled), argmax (PyTorch's indices, flat
  h*W+w within each (n, c) plane; integers), gy (upstream gradient of y),
  gconv (gradient at the conv output), gx, gw.
- up: x, up (upsampled input), w, b, y, gy, gup (gradient at the upsampled
  map), gx, gw, gb.
- ties: x, y, argmax, gy, gx.
"""

import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
SEED = 20261127


class Recorder:
    def __init__(self):
        self.tensors = {}

    def put(self, name, t, integer=False):
        assert name not in self.tensors, name
        arr = t.detach().cpu().contiguous().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
        if integer:
            arr = arr.astype(np.int64)
        else:
            arr = arr.astype(np.float32)
            assert np.all(np.isfinite(arr)), name
        self.tensors[name] = (list(arr.shape), arr.reshape(-1), integer)


def fmt_f32(v):
    """Shortest decimal that float64 parsing + float32 conversion maps back to
    the identical float32 (checked); exact float64 value otherwise."""
    v = np.float32(v)
    s = repr(v)
    if s.startswith("np.float32("):
        s = s[len("np.float32("):-1]
    if np.float32(float(s)).tobytes() != v.tobytes():
        s = repr(float(v))
        assert np.float32(float(s)).tobytes() == v.tobytes()
    assert "n" not in s.lower() or "e" in s.lower(), s  # no nan / inf
    return s


def write_json(path, config, generation, rec):
    lines = ["{"]
    lines.append('  "version": 1,')
    lines.append('  "generator": "testdata/golden/conv_golden.py",')
    lines.append('  "torch": %s,' % json.dumps(torch.__version__))
    lines.append('  "case": "conv_ops",')
    lines.append('  "config": %s,' % json.dumps(config))
    lines.append('  "generation": %s,' % json.dumps(generation))
    lines.append('  "tensors": {')
    items = list(rec.tensors.items())
    for i, (name, (shape, flat, integer)) in enumerate(items):
        if integer:
            data = ", ".join(str(int(v)) for v in flat)
        else:
            data = ", ".join(fmt_f32(v) for v in flat)
        sep = "," if i + 1 < len(items) else ""
        lines.append('    %s: {"shape": %s, "data": [%s]}%s' % (json.dumps(name), json.dumps(shape), data, sep))
    lines.append("  }")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)
    with open(path, "w") as fh:
        fh.write(text)


def init_conv(cout, cin, k, bias):
    # §2: PyTorch default init, uniform in +-1/sqrt(fan_in), fan_in = cin*k*k.
    bound = 1.0 / np.sqrt(cin * k * k)
    w = torch.empty(cout, cin, k, k).uniform_(-bound, bound).requires_grad_()
    b = torch.empty(cout).uniform_(-bound, bound).requires_grad_() if bias else None
    return w, b


def conv_case(rec, config, name, n, cin, h, w_, cout, k, stride, pad, bias):
    x = torch.randn(n, cin, h, w_).requires_grad_()
    w, b = init_conv(cout, cin, k, bias)
    y = F.conv2d(x, w, b, stride=stride, padding=pad)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    config[name + ".stride"], config[name + ".pad"] = stride, pad
    rec.put(name + ".x", x)
    rec.put(name + ".w", w)
    if bias:
        rec.put(name + ".b", b)
    rec.put(name + ".y", y)
    rec.put(name + ".gy", gy)
    rec.put(name + ".gx", x.grad)
    rec.put(name + ".gw", w.grad)
    if bias:
        rec.put(name + ".gb", b.grad)


def pool_case(rec, config, name):
    x = torch.randn(2, 3, 6, 8).requires_grad_()
    w, _ = init_conv(5, 3, 3, False)
    conv = F.conv2d(x, w, None, stride=1, padding=1)
    conv.retain_grad()
    y, idx = F.max_pool2d(conv, 2, 2, return_indices=True)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    config[name + ".stride"], config[name + ".pad"] = 1, 1
    rec.put(name + ".x", x)
    rec.put(name + ".w", w)
    rec.put(name + ".conv", conv)
    rec.put(name + ".y", y)
    rec.put(name + ".argmax", idx, integer=True)
    rec.put(name + ".gy", gy)
    rec.put(name + ".gconv", conv.grad)
    rec.put(name + ".gx", x.grad)
    rec.put(name + ".gw", w.grad)


def up_case(rec, config, name):
    x = torch.randn(2, 3, 3, 4).requires_grad_()
    up = F.interpolate(x, scale_factor=2, mode="nearest")
    up.retain_grad()
    w, b = init_conv(2, 3, 3, True)
    y = F.conv2d(up, w, b, stride=1, padding=1)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    config[name + ".stride"], config[name + ".pad"] = 1, 1
    rec.put(name + ".x", x)
    rec.put(name + ".up", up)
    rec.put(name + ".w", w)
    rec.put(name + ".b", b)
    rec.put(name + ".y", y)
    rec.put(name + ".gy", gy)
    rec.put(name + ".gup", up.grad)
    rec.put(name + ".gx", x.grad)
    rec.put(name + ".gw", w.grad)
    rec.put(name + ".gb", b.grad)


def ties_case(rec, name):
    # Small integers (many equal maxima in a window), some -inf windows, odd
    # 5x6... sizes: 5 rows -> the last row is dropped.
    x = torch.randint(-2, 2, (2, 3, 5, 6)).to(torch.float32)
    x[0, 1, 0:2, 0:2] = -float("inf")
    x[1, 2, 2:4, 4:6] = -float("inf")
    x[1, 0, 0:2, 2:4] = 1.0  # an all-equal window
    x.requires_grad_()
    y, idx = F.max_pool2d(x, 2, 2, return_indices=True)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    # -inf is not representable in the file: store the input with -inf
    # replaced by -1e30 (the Go test puts -inf back) and check the windows.
    xs = x.detach().clone()
    xs[torch.isinf(xs)] = -1e30
    rec.put(name + ".x", xs)
    ys = y.detach().clone()
    ys[torch.isinf(ys)] = -1e30
    rec.put(name + ".y", ys)
    rec.put(name + ".argmax", idx, integer=True)
    rec.put(name + ".gy", gy)
    rec.put(name + ".gx", x.grad)
    # Preconditions: ties really happen and the first one wins.
    assert int((idx == 0).sum()) > 0


def main():
    torch.manual_seed(SEED)
    rec = Recorder()
    config = {}
    conv_case(rec, config, "s2_bias", 2, 3, 7, 7, 4, 3, 2, 1, True)
    conv_case(rec, config, "k1", 2, 5, 4, 6, 3, 1, 1, 0, True)
    conv_case(rec, config, "k5", 2, 2, 6, 5, 3, 5, 1, 2, True)
    pool_case(rec, config, "pool")
    up_case(rec, config, "up")
    ties_case(rec, "ties")
    # Narrow convolutions (K*K*Cout <= Cin: Go runs them on the output
    # side), drawn last so that the cases above keep their values.
    conv_case(rec, config, "narrow", 2, 32, 5, 6, 3, 3, 1, 1, True)
    conv_case(rec, config, "narrow_s2", 2, 20, 7, 7, 2, 3, 2, 1, True)
    path = os.path.join(OUT_DIR, "conv_ops.json")
    write_json(path, config, {"seed": SEED}, rec)
    print("wrote", path, len(rec.tensors), "tensors")


if __name__ == "__main__":
    main()
