#!/usr/bin/python3
"""Independent PyTorch oracle for the CCL / BP linear-pair MLP.

Written from /work/shared/spec/ccl-reference.md (sections 1-6; "§n" below refers
to that document), NOT from the authors' code. Gradients come from autograd, the
update from torch.optim.SGD and torch.nn.utils.clip_grad_norm_, so this is an
oracle independent of the hand-written Go gradients.

Run from the repository root with Debian's python (PyTorch 1.13 CPU):

    /usr/bin/python3 testdata/golden/mlp_golden.py

It (re)writes testdata/golden/mlp_*.json. Output is deterministic: running it
twice gives byte-identical files. See testdata/golden/README.md for the format.
"""

import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)  # reproducible reductions
torch.use_deterministic_algorithms(True)

OUT_DIR = os.path.dirname(os.path.abspath(__file__))

SIZES = [20, 16, 16, 3]  # d_0 .. d_L  (L = 3 linear pairs, K = 3 classes)
BATCH = 8                # N
LEAKY_SLOPE = 0.01       # §2: leaky_relu slope
FILTER_THRESHOLD = 0.1   # §4: threshold fixed at 0.1 -> drop rows with p_true > 1 - 0.1
BN_EPS = 1e-5            # §2: BN eps / momentum
BN_MOMENTUM = 0.1


def activation(name):
    """§2: activations offered (PyTorch constants)."""
    return {
        "elu": lambda t: F.elu(t, alpha=1.0),
        "relu": F.relu,
        "tanh": torch.tanh,
        "leaky_relu": lambda t: F.leaky_relu(t, negative_slope=LEAKY_SLOPE),
        "selu": F.selu,
    }[name]


def make_bn(features):
    # §2/§6: BatchNorm1d in training mode, gamma=1, beta=0, running mean 0 / var 1.
    # Its affine parameters are given to NO optimizer (quirk), so they stay 1 / 0.
    return nn.BatchNorm1d(features, eps=BN_EPS, momentum=BN_MOMENTUM, affine=True)


class ForwardNet(nn.Module):
    """§2 forward halves of the linear pairs: W_l in R^{d_l x d_{l-1}}, no bias."""

    def __init__(self, sizes, act, fw_bn):
        super().__init__()
        self.L = len(sizes) - 1
        self.f = activation(act)
        self.fw_bn = fw_bn
        # §2 init: uniform in +-1/sqrt(fan_in), fan_in = d_{l-1}.
        self.W = nn.ParameterList()
        for l in range(1, self.L + 1):
            b = 1.0 / math.sqrt(sizes[l - 1])
            self.W.append(nn.Parameter(torch.empty(sizes[l], sizes[l - 1]).uniform_(-b, b)))
        # §2: BN only on layers 1..L-1 (the top layer has no activation and skips BN).
        # fw_bn=1: BN over the layer input (d_{l-1}); fw_bn=2: over h_l (d_l).
        self.bn = nn.ModuleList()
        if fw_bn in (1, 2):
            for l in range(1, self.L):
                self.bn.append(make_bn(sizes[l - 1] if fw_bn == 1 else sizes[l]))

    def forward(self, x, detach):
        """Returns [a_1, ..., a_{L-1}] and the logits z.

        detach=True is CCL (§1, §5: every layer's input is detached);
        detach=False is the BP baseline (§5 last paragraph)."""
        acts = []
        a = x
        for l in range(1, self.L):
            inp = a.detach() if detach else a
            if self.fw_bn == 1:
                inp = self.bn[l - 1](inp)            # BN on the layer input, before the matmul
            h = inp @ self.W[l - 1].t()               # h_l = a_{l-1} W_l^T
            if self.fw_bn == 2:
                h = self.bn[l - 1](h)                 # BN after the matmul, before f
            a = self.f(h)                             # a_l = f(h_l)
            acts.append(a)
        inp = a.detach() if detach else a
        z = inp @ self.W[self.L - 1].t()              # top layer: logits, no BN, no activation
        return acts, z


class FeedbackNet(nn.Module):
    """§2 feedback halves: V_l in R^{d_{l-1} x d_l}, no bias."""

    def __init__(self, sizes, act, bw_bn):
        super().__init__()
        self.L = len(sizes) - 1
        self.K = sizes[-1]
        self.g = activation(act)
        self.bw_bn = bw_bn
        # §2 init: uniform in +-1/sqrt(fan_in), fan_in = d_l for V_l.
        self.V = nn.ParameterList()
        for l in range(1, self.L + 1):
            b = 1.0 / math.sqrt(sizes[l])
            self.V.append(nn.Parameter(torch.empty(sizes[l - 1], sizes[l]).uniform_(-b, b)))
        # BN for feedback layers l = 2..L (the bottom layer l=1 has no activation, no BN).
        # bw_bn=1: BN over c_l (d_l features); bw_bn=2: BN over u_l (d_{l-1} features).
        # Stored in a dict keyed by l for clarity.
        self.bn = nn.ModuleDict()
        if bw_bn in (1, 2):
            for l in range(2, self.L + 1):
                self.bn[str(l)] = make_bn(sizes[l] if bw_bn == 1 else sizes[l - 1])

    def forward(self):
        """Returns [c_0, ..., c_{L-1}] (each K x d_l)."""
        # §3: the feedback input is the K x K identity, not the batch labels.
        c = torch.eye(self.K, dtype=torch.float32)   # c_L
        cs = [None] * self.L
        for l in range(self.L, 0, -1):
            inp = c.detach()                          # §1: every layer's input is detached
            if self.bw_bn == 1 and l >= 2:
                inp = self.bn[str(l)](inp)            # BN across the K rows, before the matmul
            u = inp @ self.V[l - 1].t()               # u_l = c_l V_l^T
            if l >= 2:
                if self.bw_bn == 2:
                    u = self.bn[str(l)](u)            # BN after the matmul, before g
                c = self.g(u)                         # c_{l-1} = g(u_l)
            else:
                c = u                                 # bottom layer: c_0 = u_1, no BN / activation
            cs[l - 1] = c
        return cs


def mlp_pair_loss(A, B, Y, s_C, d_l):
    """§4 MLP loss: S = A B^T, L_l = s_C * (256/d_l) * mean_{NxK}((S - Y)^2)."""
    S = A @ B.t()
    return s_C * (256.0 / d_l) * torch.mean((S - Y) ** 2)


def filter_mask(z, y):
    """§4 filter: p = softmax(logits) without gradient; rows whose true-class
    probability exceeds 1 - 0.1 = 0.9 get multiplier 0, all others 1."""
    p = torch.softmax(z.detach(), dim=1)
    p_true = p[torch.arange(z.shape[0]), y]
    # Guard against rows too close to the threshold (float32 vs float64 ambiguity).
    assert torch.all((p_true - (1.0 - FILTER_THRESHOLD)).abs() > 1e-4), p_true
    return (p_true <= 1.0 - FILTER_THRESHOLD).to(torch.float32), p_true


def gradient_centralization(params):
    """§6.1: for every rank-2 weight, subtract from its gradient the mean over the
    input dimension (dim 1), per output row."""
    for p in params:
        if p.grad is not None and p.grad.dim() == 2:
            p.grad -= p.grad.mean(dim=1, keepdim=True)


def total_norm(params):
    # Same formula clip_grad_norm_ uses (2-norm of the per-tensor 2-norms).
    return torch.norm(torch.stack([torch.norm(p.grad.detach(), 2.0) for p in params]), 2.0)


def optimizer_step(params, opt, gradc, clip):
    """§6 steps 1-3 for one parameter set. Returns the total norm after GC,
    before clipping (clip_grad_norm_ scales by limit / (norm + 1e-6) when above)."""
    if gradc:
        gradient_centralization(params)
    if clip != 0:
        norm = torch.nn.utils.clip_grad_norm_(params, clip)
    else:
        norm = total_norm(params)
    clipped = [p.grad.detach().clone() for p in params]
    opt.step()   # SGD: g += wd*w; buf = m*buf + g (buf = g first); w -= lr*buf
    return float(norm), clipped


class Recorder:
    def __init__(self):
        self.tensors = {}

    def put(self, name, t, integer=False):
        assert name not in self.tensors, name
        if isinstance(t, torch.Tensor):
            t = t.detach().cpu()
            arr = t.numpy()
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
    ok = np.float32(float(s)).tobytes() == v.tobytes()
    if not ok:
        s = repr(float(v))  # exact: every float32 is a float64
        assert np.float32(float(s)).tobytes() == v.tobytes()
    float(s)  # valid number
    assert "n" not in s.lower() or "e" in s.lower(), s  # no nan / inf
    return s


def write_json(path, case, config, generation, rec):
    lines = ["{"]
    lines.append('  "version": 1,')
    lines.append('  "generator": "testdata/golden/mlp_golden.py",')
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
    method="CCL", sizes=SIZES, batch=BATCH, act_F="elu", act_B="elu", fw_bn=0, bw_bn=0,
    lr_F=0.1, lr_B=0.05, mmt_F=0.9, mmt_B=0.9, wd_F=1e-3, wd_B=1e-3, GradC=1,
    grad_clip_F=0.5, grad_clip_B=0.5, warmup=4, loss_scale_C=0.5, filter_target=0,
    leaky_slope=LEAKY_SLOPE,
)


def run_case(name, seed, overrides, x_scale=1.0, w_top_scale=1.0):
    cfg = dict(BASE)
    cfg.update(overrides)
    generation = {"seed": seed, "x_scale": x_scale, "W%d_init_scale" % (len(SIZES) - 1): w_top_scale}
    torch.manual_seed(seed)
    L = len(SIZES) - 1
    K = SIZES[-1]
    N = BATCH
    ccl = cfg["method"] == "CCL"

    fnet = ForwardNet(SIZES, cfg["act_F"], cfg["fw_bn"])
    bnet = FeedbackNet(SIZES, cfg["act_B"], cfg["bw_bn"])
    with torch.no_grad():
        fnet.W[L - 1].mul_(w_top_scale)
    xs = [torch.randn(N, SIZES[0]) * x_scale for _ in range(2)]
    ys = [torch.randint(0, K, (N,)) for _ in range(2)]

    rec = Recorder()
    for l in range(1, L + 1):
        rec.put("W%d" % l, fnet.W[l - 1])
    if ccl:
        for l in range(1, L + 1):
            rec.put("V%d" % l, bnet.V[l - 1])
    for s in range(2):
        rec.put("step%d.x" % (s + 1), xs[s])
        rec.put("step%d.y" % (s + 1), ys[s], integer=True)

    W_params = list(fnet.W)
    V_params = list(bnet.V)
    # §6.3: PyTorch SGD, dampening 0, nesterov False. BN affine params are in neither set.
    opt_F = torch.optim.SGD(W_params, lr=cfg["lr_F"], momentum=cfg["mmt_F"],
                            weight_decay=cfg["wd_F"], dampening=0, nesterov=False)
    opt_B = torch.optim.SGD(V_params, lr=cfg["lr_B"], momentum=cfg["mmt_B"],
                            weight_decay=cfg["wd_B"], dampening=0, nesterov=False)

    fnet.train()
    bnet.train()
    norms = []
    for s in range(2):
        tag = "step%d." % (s + 1)
        x, y = xs[s], ys[s]
        batch_index, global_step = s, s
        for p in list(fnet.parameters()) + list(bnet.parameters()):
            p.grad = None
        Y = F.one_hot(y, K).to(torch.float32)

        acts, z = fnet(x, detach=ccl)
        for l in range(1, L):
            rec.put(tag + "a%d" % l, acts[l - 1])
        rec.put(tag + "logits", z)

        ce = F.cross_entropy(z, y)  # §4 output loss, mean over the batch
        # §4 warm-up quirk: factor uses the batch index within the epoch.
        w = (batch_index + 1) / cfg["warmup"] if global_step < cfg["warmup"] else 1.0

        if ccl:
            cs = bnet()
            for l in range(L):
                rec.put(tag + "c%d" % l, cs[l])
            As = [x] + acts  # §3 forward list [x, a_1, ..., a_{L-1}] (logits get the CE)
            if cfg["filter_target"] != 0:
                mask, p_true = filter_mask(z, y)
                rec.put(tag + "filter_mask", mask)
                kept = int(mask.sum())
                if name == "mlp_ccl_filter":
                    assert 0 < kept < N, (s, p_true)
                # The filter applies to every pair l = 0..L-1, including pair 0 (A = x).
                As = [A * mask[:, None] for A in As]
            pair_losses = []
            for l in range(L):
                Ll = mlp_pair_loss(As[l], cs[l], Y, cfg["loss_scale_C"], SIZES[l])
                pair_losses.append(Ll)
                rec.put(tag + "loss.pair%d" % l, Ll)
            total = w * (sum(pair_losses) + ce)   # §4: L = sum_l L_l + CE, times warm-up
        else:
            total = w * ce                        # §5: BP baseline, CE only
        rec.put(tag + "loss.ce", ce)
        rec.put(tag + "loss.total", total)
        rec.put(tag + "warmup_factor", torch.tensor(w, dtype=torch.float32))

        total.backward()
        for l in range(1, L + 1):
            rec.put(tag + "grad.W%d" % l, fnet.W[l - 1].grad)
        if ccl:
            for l in range(1, L + 1):
                rec.put(tag + "grad.V%d" % l, bnet.V[l - 1].grad)
        else:
            assert all(v.grad is None for v in V_params)

        # §6: forward set and feedback set are optimized separately.
        nF, clippedF = optimizer_step(W_params, opt_F, cfg["GradC"], cfg["grad_clip_F"])
        for l in range(1, L + 1):
            rec.put(tag + "grad_clipped.W%d" % l, clippedF[l - 1])
        rec.put(tag + "norm.F", torch.tensor(nF, dtype=torch.float32))
        step_norms = {"F": nF}
        if ccl:
            nB, clippedB = optimizer_step(V_params, opt_B, cfg["GradC"], cfg["grad_clip_B"])
            for l in range(1, L + 1):
                rec.put(tag + "grad_clipped.V%d" % l, clippedB[l - 1])
            rec.put(tag + "norm.B", torch.tensor(nB, dtype=torch.float32))
            step_norms["B"] = nB
        norms.append(step_norms)

        for l in range(1, L + 1):
            rec.put(tag + "W%d" % l, fnet.W[l - 1])
        if ccl:
            for l in range(1, L + 1):
                rec.put(tag + "V%d" % l, bnet.V[l - 1])
        if cfg["fw_bn"]:
            for l in range(1, L):
                rec.put(tag + "bnF%d.running_mean" % l, fnet.bn[l - 1].running_mean)
                rec.put(tag + "bnF%d.running_var" % l, fnet.bn[l - 1].running_var)
        if ccl and cfg["bw_bn"]:
            for l in range(2, L + 1):
                rec.put(tag + "bnB%d.running_mean" % l, bnet.bn[str(l)].running_mean)
                rec.put(tag + "bnB%d.running_var" % l, bnet.bn[str(l)].running_var)

    # Clipping must actually trigger in step 1 wherever it is enabled.
    if cfg["grad_clip_F"] != 0:
        assert norms[0]["F"] > cfg["grad_clip_F"], (name, norms)
    if ccl and cfg["grad_clip_B"] != 0:
        assert norms[0]["B"] > cfg["grad_clip_B"], (name, norms)

    # Eval mode (BN uses running statistics) on step 1's input.
    fnet.eval()
    with torch.no_grad():
        _, z_eval = fnet(xs[0], detach=ccl)
    rec.put("eval.logits", z_eval)

    generation["norms"] = [{k: float(np.float32(v)) for k, v in n.items()} for n in norms]
    path = os.path.join(OUT_DIR, name + ".json")
    write_json(path, name, cfg, generation, rec)
    return norms


CASES = [
    # name, seed, overrides, x_scale, W_L init scale
    ("mlp_ccl", 1, dict(), 1.0, 1.0),
    # Filter case: W_3 scaled up so that some rows are confidently right (p_true > 0.9)
    # and others are not, in both steps (asserted in run_case).
    ("mlp_ccl_filter", 2, dict(filter_target=0.2), 2.0, 12.0),
    # BP: CE-only gradients are small (norm ~0.12 in step 1 with warm-up 1/4), so the
    # clip limit is lowered to 0.1 to make clipping trigger.
    ("mlp_bp", 3, dict(method="BP", grad_clip_F=0.1), 1.0, 1.0),
    ("mlp_ccl_bn1", 4, dict(act_F="tanh", act_B="leaky_relu", fw_bn=1, bw_bn=1), 1.0, 1.0),
    ("mlp_ccl_bn2", 5, dict(act_F="selu", act_B="relu", fw_bn=2, bw_bn=2), 1.0, 1.0),
    ("mlp_bp_bn2", 6, dict(method="BP", act_F="tanh", fw_bn=2, grad_clip_F=0.1), 1.0, 1.0),
    # Plain MLP config semantics (lr 1/1, no momentum / wd / GC / clip / warm-up), with
    # s_C lowered to 0.1 so that two lr-1 steps stay in a sane range (with s_C 0.5 the
    # step-2 gradient norm is ~60-130 and weights blow up; 256/d_l = 16 here vs 1 in the
    # real 256-wide configs).
    ("mlp_ccl_noclip", 7, dict(lr_F=1.0, lr_B=1.0, mmt_F=0.0, mmt_B=0.0, wd_F=0.0, wd_B=0.0,
                               GradC=0, grad_clip_F=0.0, grad_clip_B=0.0, warmup=0,
                               loss_scale_C=0.1), 1.0, 1.0),
]


def main():
    for name, seed, overrides, x_scale, w_top_scale in CASES:
        norms = run_case(name, seed, overrides, x_scale, w_top_scale)
        print("%-16s norms %s" % (name, norms))


if __name__ == "__main__":
    main()
