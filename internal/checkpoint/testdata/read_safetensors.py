"""Load a Go checkpoint into PyTorch modules shaped like the reference's.

Usage: read_safetensors.py CHECKPOINT IO

CHECKPOINT is a safetensors file written by package checkpoint; IO is a
safetensors file holding the input "x" (NCHW for CNNs) and the Go logits
"logits" and feedback output "feedback" (NCHW; for the autoencoder
"recon" and "feedback", both of x), with the network's configuration in
its metadata. The script
parses both files itself (no safetensors package), builds small modules
whose attribute names follow the reference (IandRover/CCL-NeurIPS24:
C2Linear in models/layers.py, C2Conv in models/layers.py for "cnn",
C2ConvStride1 in models/models_cnn.py for "cnn_pool", C2Conv and
C2ConvTrans in models/models_cnn_ae_legacy.py for the autoencoder), loads the
checkpoint with load_state_dict(strict=True) (the "optimizer." keys
dropped), runs the forward and the feedback networks in eval mode and
compares their outputs.
It exits non-zero when the maximum relative error exceeds 1e-4.
"""

import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "I64": np.int64}


def read_safetensors(path):
    """Return ({name: tensor}, metadata) of a safetensors file."""
    with open(path, "rb") as fh:
        raw = fh.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    body = raw[8 + n :]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        arr = np.frombuffer(body, dtype=np.dtype(DTYPES[entry["dtype"]]).newbyteorder("<"),
                            count=(end - begin) // np.dtype(DTYPES[entry["dtype"]]).itemsize, offset=begin)
        tensors[name] = torch.from_numpy(arr.copy().reshape(entry["shape"]))
    return tensors, meta


def activation(name):
    return {"elu": F.elu, "relu": F.relu, "tanh": torch.tanh, "leaky_relu": F.leaky_relu, "selu": F.selu}[name]


def norm(kind, placement, n_in, n_out, affine=True):
    """The batch norm over the layer's input (placement 1) or output (2)."""
    if placement == 0:
        return None
    cls = nn.BatchNorm1d if kind == "linear" else nn.BatchNorm2d
    return cls(n_in if placement == 1 else n_out, affine=affine)


class Pair(nn.Module):
    """One forward/feedback layer pair with the reference's attribute names."""

    def __init__(self, kind, n_in, n_out, cfg, stride=1, bias=False, affine=True):
        super().__init__()
        if kind == "linear":
            self.forward_layer = nn.Linear(n_in, n_out, bias=False)
            self.backward_layer = nn.Linear(n_out, n_in, bias=False)
        else:
            self.forward_layer = nn.Conv2d(n_in, n_out, 3, stride=stride, padding=1, bias=bias)
            self.backward_layer = nn.Conv2d(n_out, n_in, 3, stride=1, padding=1, bias=bias)
        self.fw_bn, self.bw_bn = cfg["fw_bn"], cfg["bw_bn"]
        fbn = norm(kind, self.fw_bn, n_in, n_out, affine)
        # The feedback layer maps n_out -> n_in: its input has n_out features.
        bbn = norm(kind, self.bw_bn, n_out, n_in, affine)
        if fbn is not None:
            self.forward_bn = fbn
        if bbn is not None:
            self.backward_bn = bbn
        self.act = activation(cfg["act_F"])
        self.act_b = activation(cfg["act_B"])

    def reverse(self, x, last=False):
        """The feedback layer (reference: reverse), after any upsampling."""
        if last:
            return self.backward_layer(x)
        if self.bw_bn == 1:
            x = self.backward_bn(x)
        x = self.backward_layer(x)
        if self.bw_bn == 2:
            x = self.backward_bn(x)
        return self.act_b(x)

    def forward(self, x, last=False):
        if last:
            return self.forward_layer(x)
        if self.fw_bn == 1:
            x = self.forward_bn(x)
        x = self.forward_layer(x)
        if self.fw_bn == 2:
            x = self.forward_bn(x)
        return self.act(x)


class Net(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        arch = cfg["arch"]
        self.arch = arch
        if arch == "mlp":
            sizes = cfg["sizes"]
            L = len(sizes) - 1
            for l in range(1, L):
                setattr(self, "enc%d" % l, Pair("linear", sizes[l - 1], sizes[l], cfg))
            self.output = Pair("linear", sizes[L - 1], sizes[L], cfg)
            self.L = L
        else:
            ch = cfg["channels"]
            L = len(ch)
            pool = arch == "cnn_pool"
            for l in range(1, L):
                setattr(self, "enc%d" % l, Pair("conv", ch[l - 1], ch[l], cfg, stride=1 if pool else 2,
                                                bias=not pool, affine=pool or cfg["bn_affine"]))
            self.output = Pair("linear", ch[L - 1], cfg["classes"], cfg)
            self.L = L
            self.pool = pool

    def forward(self, x):
        for l in range(1, self.L):
            x = getattr(self, "enc%d" % l)(x)
            if self.arch == "cnn_pool":
                x = F.max_pool2d(x, 2, 2)
        x = x.reshape(x.shape[0], -1)
        return self.output(x, last=True)

    def feedback(self, target):
        """c_0 = B(target): the feedback network, top to bottom."""
        c = self.output.reverse(target)
        if self.arch != "mlp":
            c = c.reshape(c.shape[0], -1, 1, 1)
        for l in range(self.L - 1, 0, -1):
            if self.arch != "mlp":
                c = F.interpolate(c, scale_factor=2, mode="nearest")
            c = getattr(self, "enc%d" % l).reverse(c, last=(l == 1))
        return c


class AEEnc(nn.Module):
    """Encoder pair with the attribute names of the legacy autoencoder's C2Conv."""

    def __init__(self, cin, cout):
        super().__init__()
        self.forward_layer = nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=True)
        self.backward_layer = nn.Conv2d(cout, cin, 3, stride=1, padding=1, bias=True)
        self.forward_bn = nn.BatchNorm2d(cout)
        self.backward_bn = nn.BatchNorm2d(cin)


class AEDec(nn.Module):
    """Decoder pair with the attribute names of the legacy autoencoder's C2ConvTrans."""

    def __init__(self, cin, cout):
        super().__init__()
        self.forward_layer = nn.Conv2d(cin, cout, 3, stride=1, padding=1, bias=True)
        self.backward_layer = nn.Conv2d(cout, cin, 3, stride=2, padding=1, bias=True)
        self.forward_bn = nn.BatchNorm2d(cout)
        self.backward_bn1 = nn.BatchNorm2d(cin)


class AE(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch = cfg["channels"]
        self.L = len(ch) - 1
        for l in range(1, self.L + 1):
            setattr(self, "enc%d" % l, AEEnc(ch[l - 1], ch[l]))
            setattr(self, "dec%d" % l, AEDec(ch[l], ch[l - 1]))
        self.act = activation(cfg["act_F"])
        self.act_b = activation(cfg["act_B"])

    def forward(self, x):
        for l in range(1, self.L + 1):
            m = getattr(self, "enc%d" % l)
            x = self.act(m.forward_bn(m.forward_layer(x)))
        for l in range(self.L, 0, -1):
            m = getattr(self, "dec%d" % l)
            x = m.forward_layer(F.interpolate(x, scale_factor=2, mode="nearest"))
            if l > 1:
                x = self.act(m.forward_bn(x))
        return x

    def feedback(self, x):
        for l in range(1, self.L + 1):
            m = getattr(self, "dec%d" % l)
            x = self.act_b(m.backward_bn1(m.backward_layer(x)))
        for l in range(self.L, 0, -1):
            m = getattr(self, "enc%d" % l)
            x = m.backward_layer(F.interpolate(x, scale_factor=2, mode="nearest"))
            if l > 1:
                x = self.act_b(m.backward_bn(x))
        return x


def main():
    ckpt, meta = read_safetensors(sys.argv[1])
    io, io_meta = read_safetensors(sys.argv[2])
    cfg = json.loads(io_meta["config"])
    model = AE(cfg) if cfg["arch"] == "autoencoder" else Net(cfg)
    state = {k: v for k, v in ckpt.items() if not k.startswith("optimizer.")}
    model.load_state_dict(state, strict=True)
    model.eval()
    ok = meta.get("ccl.arch") == cfg["arch"]
    if not ok:
        print("metadata ccl.arch is %r, expected %r" % (meta.get("ccl.arch"), cfg["arch"]))
    with torch.no_grad():
        if cfg["arch"] == "autoencoder":
            got = {"recon": model(io["x"]), "feedback": model.feedback(io["x"])}
        else:
            k = io["logits"].shape[1]
            got = {"logits": model(io["x"]), "feedback": model.feedback(torch.eye(k))}
    print("%s: %d keys loaded (strict)" % (cfg["arch"], len(state)))
    for name, val in got.items():
        want = io[name]
        if tuple(val.shape) != tuple(want.shape):
            print("%s: shape %s, Go %s" % (name, tuple(val.shape), tuple(want.shape)))
            ok = False
            continue
        err = (val - want).abs().max().item() / max(val.abs().max().item(), 1e-12)
        print("  %s %s: max relative error %.3g" % (name, tuple(val.shape), err))
        ok = ok and err <= 1e-4
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
