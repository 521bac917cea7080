#!/usr/bin/python3
"""Independent PyTorch oracle for the CCL / BP tiny CNNs (architectures `cnn`
and `cnn_pool`).

Written from /work/shared/spec/ccl-reference.md (sections 2-6; "§n" below
refers to that document), NOT from the authors' code. Gradients come from
autograd, the update from torch.optim.SGD and torch.nn.utils.clip_grad_norm_;
gradient centralization is done by hand (§6.1). This is the CNN sibling of
mlp_golden.py and uses the same file format (see README.md and CNN.md).

Run from the repository root with Debian's python (PyTorch 1.13 CPU):

    /usr/bin/python3 testdata/golden/cnn_golden.py

It (re)writes testdata/golden/cnn_*.json. Output is deterministic: running it
twice gives byte-identical files. All image tensors are NCHW (PyTorch layout).
"""

import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)  # reproducible reductions
torch.use_deterministic_algorithms(True)

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
GENERATOR = "testdata/golden/cnn_golden.py"

CHANNELS = [3, 4, 4, 4]  # C_0 .. C_3: three conv pairs 3->4->4->4, then a linear pair 4->K
IMAGE = [8, 8]           # H x W of the input; 8 -> 4 -> 2 -> 1 through the three conv pairs
CLASSES = 3              # K
BATCH = 4                # N
LEAKY_SLOPE = 0.01       # §2: leaky_relu slope (not used by the cases below)
FILTER_THRESHOLD = 0.1   # §4: fixed threshold -> zero rows with p_true > 1 - 0.1
NORM_EPS = 1e-8          # §4: row-normalisation epsilon of the CNN loss
BN_EPS = 1e-5            # §2: BatchNorm eps / momentum
BN_MOMENTUM = 0.1
THRESHOLD_GAP = 1e-4     # no p_true may lie this close to 0.9 (float rounding could flip it)
POOL_GAP = 1e-5          # every 2x2 max-pool window must have a unique max by this margin


def activation(name):
    """§2: activations offered (PyTorch constants)."""
    return {
        "elu": lambda t: F.elu(t, alpha=1.0),
        "relu": F.relu,
        "tanh": torch.tanh,
        "leaky_relu": lambda t: F.leaky_relu(t, negative_slope=LEAKY_SLOPE),
        "selu": F.selu,
    }[name]


def make_bn(features, dims):
    """§2/§6: BatchNorm in training mode: gamma=1, beta=0, running mean 0 / var 1,
    eps 1e-5, momentum 0.1. The affine parameters are given to NO optimizer (§6
    quirk), so they stay at 1 / 0."""
    cls = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
    return cls(features, eps=BN_EPS, momentum=BN_MOMENTUM, affine=True)


def check_pool_windows(t):
    """max_pool2d(2, 2) routes its gradient to the argmax of each window. Make sure
    no window has a (near-)tie, so an implementation with another tie-break or
    slightly different rounding picks the same element."""
    n, c, h, w = t.shape
    win = t.detach().reshape(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 2, 4, 3, 5).reshape(-1, 4)
    top2 = torch.topk(win, 2, dim=1).values
    gap = float((top2[:, 0] - top2[:, 1]).min())
    assert gap > POOL_GAP, gap


class ForwardNet(nn.Module):
    """§2/§3 forward halves: conv pairs l = 1..3, then the linear pair l = 4.

    arch "cnn" (C2Conv, stride-2 kind): h_l = conv3x3(s2, p1, with bias b_l)(a_{l-1}),
        a_l = f(h_l).
    arch "cnn_pool" (C2ConvStride1 + C2Pool): h_l = conv3x3(s1, p1, no bias)(a_{l-1}),
        a_l = max_pool2d(f(h_l), 2, 2)   (the pool belongs to layer l).
    linear pair 4: z = flatten(a_3) W_4^T (no bias, no BN, no activation: the top layer).
    """

    def __init__(self, arch, act, fw_bn):
        super().__init__()
        self.arch = arch
        self.f = activation(act)
        self.fw_bn = fw_bn
        C = CHANNELS
        stride = 2 if arch == "cnn" else 1
        # §2 init = PyTorch defaults (kaiming_uniform a=sqrt(5) -> U(+-1/sqrt(fan_in)),
        # biases U(+-1/sqrt(fan_in)); bias_init "none", so biases are non-zero).
        self.conv = nn.ModuleList(
            nn.Conv2d(C[l - 1], C[l], 3, stride=stride, padding=1, bias=(arch == "cnn"))
            for l in range(1, 4))
        self.lin = nn.Linear(C[3], CLASSES, bias=False)  # W4: K x C_3
        # §2 BN: fw_bn=1 over the layer input (C_{l-1} channels; for layer 1 that is x),
        # fw_bn=2 over the conv output h_l (C_l channels), before f (and before the pool).
        # The top (linear, logits) layer has no BN.
        self.bn = nn.ModuleList()
        if fw_bn in (1, 2):
            for l in range(1, 4):
                self.bn.append(make_bn(C[l - 1] if fw_bn == 1 else C[l], 2))

    def forward(self, x, detach, check_pools=False):
        """Returns [a_1, a_2, a_3] (NCHW) and the logits z (N x K).

        detach=True is CCL (§1, §5: every layer's input is detached);
        detach=False is the BP baseline (§6 last paragraph)."""
        acts = []
        a = x
        for l in range(1, 4):
            inp = a.detach() if detach else a
            if self.fw_bn == 1:
                inp = self.bn[l - 1](inp)             # BN on the layer input, before the conv
            h = self.conv[l - 1](inp)
            if self.fw_bn == 2:
                h = self.bn[l - 1](h)                 # BN after the conv, before f
            a = self.f(h)
            if self.arch == "cnn_pool":
                if check_pools:
                    check_pool_windows(a)
                a = F.max_pool2d(a, kernel_size=2, stride=2)
            acts.append(a)
        inp = a.detach() if detach else a
        z = inp.flatten(1) @ self.lin.weight.t()      # §3: a_3 (N x 4 x 1 x 1) flattened
        return acts, z


class FeedbackNet(nn.Module):
    """§2/§3 feedback halves, run on the K x K identity (§3).

    linear pair 4: c_3 = g(I_K V_4^T)  (V_4: C_3 x K), reshaped to K x C_3 x 1 x 1.
    conv pair l = 3..1: c_{l-1} = g(conv3x3(s1, p1)(upsample_nearest_x2(c_l))), with bias
        vb_l for arch "cnn", without for "cnn_pool"; the bottom layer (l = 1) has no
        activation and no BN: c_0 = conv(up(c_1)).
    """

    def __init__(self, arch, act, bw_bn):
        super().__init__()
        self.g = activation(act)
        self.bw_bn = bw_bn
        C = CHANNELS
        # V_l maps C_l -> C_{l-1}: weight C_{l-1} x C_l x 3 x 3, fan_in = 9 C_l (§2 init).
        self.conv = nn.ModuleList(
            nn.Conv2d(C[l], C[l - 1], 3, stride=1, padding=1, bias=(arch == "cnn"))
            for l in range(1, 4))
        self.lin = nn.Linear(CLASSES, C[3], bias=False)  # V4: C_3 x K
        # BN of feedback layers l = 2..4 (layer 1, the bottom, has none). Keyed by l.
        # bw_bn=1: BN on the layer input c_l (layer 4: the identity, BatchNorm1d over K
        # features; layers 2, 3: BatchNorm2d over C_l channels, applied to c_l before the
        # upsample). bw_bn=2: BN on the conv / matmul output (C_{l-1} channels / features).
        self.bn = nn.ModuleDict()
        if bw_bn in (1, 2):
            self.bn["4"] = make_bn(CLASSES if bw_bn == 1 else C[3], 1)
            for l in (2, 3):
                self.bn[str(l)] = make_bn(C[l] if bw_bn == 1 else C[l - 1], 2)

    def forward(self):
        """Returns [c_0, c_1, c_2, c_3] (NCHW with K rows; c_3 is K x C_3 x 1 x 1)."""
        cs = [None] * 4
        # §3: the feedback input is the K x K identity, not the batch labels.
        inp = torch.eye(CLASSES, dtype=torch.float32).detach()
        if self.bw_bn == 1:
            inp = self.bn["4"](inp)                   # BatchNorm1d over the K identity rows
        u = inp @ self.lin.weight.t()                 # u = I_K V_4^T  (K x C_3)
        if self.bw_bn == 2:
            u = self.bn["4"](u)
        c = self.g(u).reshape(CLASSES, CHANNELS[3], 1, 1)
        cs[3] = c
        for l in range(3, 0, -1):
            inp = c.detach()                          # §1: every layer's input is detached
            if self.bw_bn == 1 and l >= 2:
                inp = self.bn[str(l)](inp)            # BN on c_l (before the upsample)
            up = F.interpolate(inp, scale_factor=2, mode="nearest")
            u = self.conv[l - 1](up)
            if l >= 2:
                if self.bw_bn == 2:
                    u = self.bn[str(l)](u)            # BN after the conv, before g
                c = self.g(u)
            else:
                c = u                                 # bottom layer: no BN, no activation
            cs[l - 1] = c
        return cs


def row_normalize(X):
    """§4: X / (||X||_row + 1e-8). torch's norm backward is 0 on an all-zero row
    (a filtered row), so no NaN appears there."""
    return X / (X.norm(p=2, dim=1, keepdim=True) + NORM_EPS)


def cnn_pair_loss(A, B, Y, s_C, s_ssl):
    """§4 CNN loss of one pair: A (N x d), B (K x d) flattened, already filtered.
    L = s_C mean((Â B̂^T - Y)^2) + s_ssl mean((Â Â^T - I_N)^2) + s_ssl mean((B̂ B̂^T - I_K)^2)."""
    An, Bn = row_normalize(A), row_normalize(B)
    n, k = An.shape[0], Bn.shape[0]
    return (s_C * torch.mean((An @ Bn.t() - Y) ** 2)
            + s_ssl * torch.mean((An @ An.t() - torch.eye(n)) ** 2)
            + s_ssl * torch.mean((Bn @ Bn.t() - torch.eye(k)) ** 2))


def filter_mask(z, y):
    """§4 filter: p = softmax(logits) without gradient; rows whose true-class
    probability exceeds 1 - 0.1 = 0.9 get multiplier 0, all others 1."""
    p = torch.softmax(z.detach(), dim=1)
    p_true = p[torch.arange(z.shape[0]), y]
    assert torch.all((p_true - (1.0 - FILTER_THRESHOLD)).abs() > THRESHOLD_GAP), p_true
    return (p_true <= 1.0 - FILTER_THRESHOLD).to(torch.float32), p_true


def gradient_centralization(params):
    """§6.1: subtract from every weight gradient its mean over all dims but the
    output one: rank 4 (conv) over (in, kh, kw) = dims (1, 2, 3); rank 2 over dim 1.
    Biases (rank 1) are untouched."""
    for p in params:
        if p.grad is None:
            continue
        if p.grad.dim() == 4:
            p.grad -= p.grad.mean(dim=(1, 2, 3), keepdim=True)
        elif p.grad.dim() == 2:
            p.grad -= p.grad.mean(dim=1, keepdim=True)


def total_norm(params):
    # Same formula clip_grad_norm_ uses (2-norm of the per-tensor 2-norms).
    return torch.norm(torch.stack([torch.norm(p.grad.detach(), 2.0) for p in params]), 2.0)


def optimizer_step(params, opt, gradc, clip):
    """§6 steps 1-3 for one parameter set. Returns the total norm after GC and
    before clipping (clip_grad_norm_ scales by limit / (norm + 1e-6) when above)."""
    if gradc:
        gradient_centralization(params)
    if clip != 0:
        norm = torch.nn.utils.clip_grad_norm_(params, clip)
    else:
        norm = total_norm(params)
    clipped = [p.grad.detach().clone() for p in params]
    opt.step()   # §6.3 SGD: g += wd*w (biases too); buf = m*buf + g (buf = g first); w -= lr*buf
    return float(norm), clipped


class Recorder:
    def __init__(self):
        self.tensors = {}

    def put(self, name, t, integer=False):
        assert name not in self.tensors, name
        if isinstance(t, torch.Tensor):
            arr = t.detach().cpu().numpy()
        else:
            arr = np.asarray(t)
        if integer:
            arr = arr.astype(np.int64)
        else:
            arr = arr.astype(np.float32)
            assert np.all(np.isfinite(arr)), name
        self.tensors[name] = (list(arr.shape), arr.reshape(-1), integer)


def fmt_f32(v):
    """Shortest decimal for a float32 such that float64 parsing followed by a
    float32 conversion gives back the identical float32 (checked); falls back to
    the exact float64 value of the float32 otherwise."""
    v = np.float32(v)
    s = repr(v)  # numpy >= 1.14: shortest round-tripping digits for float32
    if s.startswith("np.float32("):  # numpy 2 style repr
        s = s[len("np.float32("):-1]
    if np.float32(float(s)).tobytes() != v.tobytes():
        s = repr(float(v))  # exact: every float32 is a float64
    assert np.float32(float(s)).tobytes() == v.tobytes(), s
    assert "n" not in s.lower() or "e" in s.lower(), s  # no nan / inf
    return s


def write_json(path, case, config, generation, rec):
    lines = ["{"]
    lines.append('  "version": 1,')
    lines.append('  "generator": %s,' % json.dumps(GENERATOR))
    lines.append('  "torch": %s,' % json.dumps(torch.__version__))
    lines.append('  "case": %s,' % json.dumps(case))
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
    json.loads(text)  # sanity: valid JSON
    with open(path, "w") as fh:
        fh.write(text)


BASE = dict(
    method="CCL", arch="cnn", channels=CHANNELS, image=IMAGE, classes=CLASSES, batch=BATCH,
    act_F="elu", act_B="elu", fw_bn=0, bw_bn=0,
    lr_F=0.1, lr_B=0.05, mmt_F=0.8, mmt_B=0.8, wd_F=1e-3, wd_B=1e-3, GradC=1,
    grad_clip_F=0.3, grad_clip_B=0.3, warmup=4, loss_scale_C=1.0, loss_scale_ssl=0.5,
    filter_target=0,
)


def named_params(fnet, bnet, arch):
    """Forward set (W1, b1, ..., W4) and feedback set (V1, vb1, ..., V4), in that order."""
    fw, bw = [], []
    for l in range(1, 4):
        fw.append(("W%d" % l, fnet.conv[l - 1].weight))
        if arch == "cnn":
            fw.append(("b%d" % l, fnet.conv[l - 1].bias))
    fw.append(("W4", fnet.lin.weight))
    for l in range(1, 4):
        bw.append(("V%d" % l, bnet.conv[l - 1].weight))
        if arch == "cnn":
            bw.append(("vb%d" % l, bnet.conv[l - 1].bias))
    bw.append(("V4", bnet.lin.weight))
    return fw, bw


def zero_in_exact_arithmetic(cfg):
    """Bias gradients that are exactly zero mathematically: a bias added right before
    a training-mode BN (BN subtracts the per-channel batch mean, so the output does not
    depend on the bias). Autograd returns float32 rounding noise (~1e-9) for them,
    which a relative-error comparison cannot match; listed in "generation"."""
    names = []
    if cfg["arch"] != "cnn":
        return names
    if cfg["fw_bn"] == 2:
        names += ["b1", "b2", "b3"]
    if cfg["method"] == "CCL" and cfg["bw_bn"] == 2:
        names += ["vb2", "vb3"]
    return names


def run_case(name, seed, overrides, x_scale=1.0, w_top_scale=1.0, expect_filtering=False):
    cfg = dict(BASE)
    cfg.update(overrides)
    arch = cfg["arch"]
    ccl = cfg["method"] == "CCL"
    K, N = CLASSES, BATCH
    zero_grads = zero_in_exact_arithmetic(cfg)
    generation = {"seed": seed, "x_scale": x_scale, "W4_init_scale": w_top_scale,
                  "bias_init": "none (PyTorch default U(+-1/sqrt(fan_in)))" if arch == "cnn" else "no biases",
                  "zero_in_exact_arithmetic": ["step%d.%s.%s" % (s, kind, p) for s in (1, 2)
                                               for kind in ("grad", "grad_clipped") for p in zero_grads]}

    torch.manual_seed(seed)
    # Parameter creation order is fixed (forward then feedback) whatever the method.
    fnet = ForwardNet(arch, cfg["act_F"], cfg["fw_bn"])
    bnet = FeedbackNet(arch, cfg["act_B"], cfg["bw_bn"])
    with torch.no_grad():
        fnet.lin.weight.mul_(w_top_scale)
    xs = [torch.randn(N, CHANNELS[0], *IMAGE) * x_scale for _ in range(2)]
    ys = [torch.randint(0, K, (N,)) for _ in range(2)]

    fw, bw = named_params(fnet, bnet, arch)
    rec = Recorder()
    for pname, p in fw:
        rec.put(pname, p)
    if ccl:
        for pname, p in bw:
            rec.put(pname, p)
    for s in range(2):
        rec.put("step%d.x" % (s + 1), xs[s])
        rec.put("step%d.y" % (s + 1), ys[s], integer=True)

    F_params = [p for _, p in fw]
    B_params = [p for _, p in bw]
    # §6.3: PyTorch SGD, dampening 0, nesterov False; weight decay reaches the biases
    # too (they are in the optimizer). BN affine params are in neither set (§6 quirk).
    opt_F = torch.optim.SGD(F_params, lr=cfg["lr_F"], momentum=cfg["mmt_F"],
                            weight_decay=cfg["wd_F"], dampening=0, nesterov=False)
    opt_B = torch.optim.SGD(B_params, lr=cfg["lr_B"], momentum=cfg["mmt_B"],
                            weight_decay=cfg["wd_B"], dampening=0, nesterov=False)

    fnet.train()
    bnet.train()
    norms, filtered_rows = [], []
    for s in range(2):
        tag = "step%d." % (s + 1)
        x, y = xs[s], ys[s]
        batch_index, global_step = s, s
        for p in list(fnet.parameters()) + list(bnet.parameters()):
            p.grad = None
        Y = F.one_hot(y, K).to(torch.float32)

        acts, z = fnet(x, detach=ccl, check_pools=True)
        for l in range(1, 4):
            rec.put(tag + "a%d" % l, acts[l - 1])     # before the filter
        rec.put(tag + "logits", z)

        ce = F.cross_entropy(z, y)  # §4 output loss, mean over the batch
        # §4 warm-up quirk: the factor uses the batch index within the epoch.
        w = (batch_index + 1) / cfg["warmup"] if global_step < cfg["warmup"] else 1.0

        if ccl:
            cs = bnet()
            for l in range(4):
                rec.put(tag + "c%d" % l, cs[l])
            # §3 pairs 0..L-1 = 0..3: forward [x, a_1, a_2, a_3] vs feedback [c_0 .. c_3],
            # all flattened to rows (C*H*W features). The logits get the CE instead.
            As = [x.flatten(1)] + [a.flatten(1) for a in acts]
            Bs = [c.flatten(1) for c in cs]
            if cfg["filter_target"] != 0:
                mask, p_true = filter_mask(z, y)
                rec.put(tag + "filter_mask", mask)
                kept = int(mask.sum())
                filtered_rows.append([i for i in range(N) if mask[i] == 0])
                if expect_filtering:
                    assert 0 < kept < N, (name, s, p_true)
                # §4: zero the rows of A BEFORE the row normalisation, in every pair
                # 0..3 (including pair 0, A = x). B and the CE are not filtered.
                As = [A * mask[:, None] for A in As]
            pair_losses = []
            for l in range(4):
                Ll = cnn_pair_loss(As[l], Bs[l], Y, cfg["loss_scale_C"], cfg["loss_scale_ssl"])
                pair_losses.append(Ll)
                rec.put(tag + "loss.pair%d" % l, Ll)  # before the warm-up factor
            total = w * (sum(pair_losses) + ce)       # §4: (sum_l L_l + CE) times warm-up
        else:
            total = w * ce                            # §6 BP baseline: CE only, no detach
        rec.put(tag + "loss.ce", ce)
        rec.put(tag + "loss.total", total)
        rec.put(tag + "warmup_factor", torch.tensor(w, dtype=torch.float32))

        total.backward()
        for pname, p in fw:
            assert p.grad is not None, pname
            rec.put(tag + "grad." + pname, p.grad)
        if ccl:
            for pname, p in bw:
                assert p.grad is not None, pname
                rec.put(tag + "grad." + pname, p.grad)
        else:
            assert all(p.grad is None for p in B_params)
        # The "mathematically zero" bias gradients really are only rounding noise.
        for pname, p in fw + bw:
            if pname in zero_grads:
                assert float(p.grad.abs().max()) < 1e-6, (pname, p.grad)

        # §6: the forward and the feedback set are optimized separately.
        nF, clippedF = optimizer_step(F_params, opt_F, cfg["GradC"], cfg["grad_clip_F"])
        for (pname, _), g in zip(fw, clippedF):
            rec.put(tag + "grad_clipped." + pname, g)
        rec.put(tag + "norm.F", torch.tensor(nF, dtype=torch.float32))
        step_norms = {"F": nF}
        if ccl:
            nB, clippedB = optimizer_step(B_params, opt_B, cfg["GradC"], cfg["grad_clip_B"])
            for (pname, _), g in zip(bw, clippedB):
                rec.put(tag + "grad_clipped." + pname, g)
            rec.put(tag + "norm.B", torch.tensor(nB, dtype=torch.float32))
            step_norms["B"] = nB
        norms.append(step_norms)

        for pname, p in fw:
            rec.put(tag + pname, p)
        if ccl:
            for pname, p in bw:
                rec.put(tag + pname, p)
        if cfg["fw_bn"]:
            for l in range(1, 4):
                rec.put(tag + "bnF%d.running_mean" % l, fnet.bn[l - 1].running_mean)
                rec.put(tag + "bnF%d.running_var" % l, fnet.bn[l - 1].running_var)
        if ccl and cfg["bw_bn"]:
            for l in range(2, 5):
                rec.put(tag + "bnB%d.running_mean" % l, bnet.bn[str(l)].running_mean)
                rec.put(tag + "bnB%d.running_var" % l, bnet.bn[str(l)].running_var)

    # Clipping must actually trigger in step 1 wherever it is enabled.
    if cfg["grad_clip_F"] != 0:
        assert norms[0]["F"] > cfg["grad_clip_F"], (name, norms)
    if ccl and cfg["grad_clip_B"] != 0:
        assert norms[0]["B"] > cfg["grad_clip_B"], (name, norms)

    # Eval mode (BN uses running statistics) on step 1's input, after step 2.
    fnet.eval()
    with torch.no_grad():
        _, z_eval = fnet(xs[0], detach=ccl, check_pools=True)
    rec.put("eval.logits", z_eval)

    generation["norms"] = [{k: float(np.float32(v)) for k, v in n.items()} for n in norms]
    if filtered_rows:
        generation["filtered_rows"] = filtered_rows
    path = os.path.join(OUT_DIR, name + ".json")
    write_json(path, name, cfg, generation, rec)
    return norms, filtered_rows


CASES = [
    # name, seed, overrides, x_scale, W4 init scale, filter must both filter and keep
    # Filter cases: the initial W4 is scaled up so that the logits are confident and
    # some rows (those predicted right) have p_true > 0.9 while others do not, in both
    # steps (asserted). cnn: step 1 filters row 3, step 2 row 2; cnn_pool: rows 2 / 0.
    ("cnn_ccl_filter", 10, dict(filter_target=0.2), 1.0, 30.0, True),
    ("cnn_pool_ccl_filter", 1, dict(arch="cnn_pool", filter_target=0.2), 1.0, 20.0, True),
    ("cnn_ccl_bn2", 3, dict(act_F="tanh", act_B="elu", fw_bn=2, bw_bn=2), 1.0, 1.0, False),
    ("cnn_bp_bn2", 4, dict(method="BP", fw_bn=2), 1.0, 1.0, False),
    # Seed 6: seed 5 has a max-pool window whose two largest values are 6e-6 apart.
    ("cnn_pool_bp_bn1", 6, dict(method="BP", arch="cnn_pool", fw_bn=1), 1.0, 1.0, False),
]


def main():
    for name, seed, overrides, x_scale, w_top_scale, expect in CASES:
        norms, filtered = run_case(name, seed, overrides, x_scale, w_top_scale, expect)
        print("%-20s norms %s filtered %s" % (name, norms, filtered))


if __name__ == "__main__":
    main()
