#!/usr/bin/python3
"""Times one training step of the paper's networks in PyTorch, for a
side-by-side comparison with the Go benchmarks in bench/ (same networks,
batch sizes and thread count).

Run with Debian's PyTorch (python3-torch; the python3 first on PATH may lack it):

    /usr/bin/python3 bench/peers/torch_steps.py [--threads 2] [--steps 10] [--ae-steps 3] [--only NAME]

It prints one line per case: name, median milliseconds per step, samples/s.
Cases: {fmnist_mlp, cifar10_mlp, cifar10_cnn_pool, fmnist_cnn, stl10_ae}_{ccl, bp}.
The CCL step follows spec §2–§6 (written here from the spec, not from the
authors' code): forward network with every layer input detached, feedback
network on the K×K identity, per-pair local losses (MLP or CNN loss, with
the filter where the config enables it), cross-entropy on the logits, one
backward pass, gradient centralization and clipping where the config asks,
two SGD optimisers. The BP step is the same forward network without
detachment, cross-entropy only, one optimiser. Inputs are random: the cost
of a step does not depend on the data.

The STL-10 autoencoder (spec §9; Go: ccl.Autoencoder, bp.Autoencoder,
net.NewAEForwardStack) is 3→128→256→1024→2048 on 96×96, batch 32: forward
units E1…E4 (conv 3×3 stride 2 pad 1 with bias, batch norm without affine,
relu), D4…D1 (nearest ×2 upsampling, conv 3×3 stride 1 pad 1 with bias,
batch norm, relu; D1 has neither); the CCL feedback network takes the image
itself through DF1…DF4 (as E) and EF4…EF1 (as D), every unit input
detached on both sides, and pair p compares forward output p with feedback
output 8 − p under the AE pair loss (s_C·H·mse + s_D·H·mse of the centred,
normalised maps; the end pairs (x, d_0) and (b_1, x) without the second
term). BP trains the forward network on mse(b_1, x). Optimisers as
configs/cnn_ae/stl10_{ccl,bp}_legacy.yaml. Tensors are NCHW (PyTorch's
default layout); Go's are NHWC.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openblas_core  # noqa: E402  (must run before torch loads OpenBLAS)

OPENBLAS_CORE = openblas_core.select()

import torch  # noqa: E402
import torch.nn as nn
import torch.nn.functional as F


def act(name):
    return {"elu": nn.ELU(), "relu": nn.ReLU(), "tanh": nn.Tanh()}[name]


class MLP(nn.Module):
    """Forward network d_0 -> ... -> d_L, no bias, activation on all but the last layer."""

    def __init__(self, sizes, a):
        super().__init__()
        self.lins = nn.ModuleList(nn.Linear(i, o, bias=False) for i, o in zip(sizes[:-1], sizes[1:]))
        self.f = act(a)

    def forward(self, x, detach):
        outs, h = [x], x
        for i, lin in enumerate(self.lins):
            h = lin(h.detach() if detach else h)
            if i < len(self.lins) - 1:
                h = self.f(h)
            outs.append(h)
        return outs  # [x, a_1, ..., a_{L-1}, logits]


class MLPFeedback(nn.Module):
    """Feedback network d_L -> ... -> d_0 fed the identity; no activation on the bottom layer."""

    def __init__(self, sizes, a):
        super().__init__()
        rev = sizes[::-1]
        self.lins = nn.ModuleList(nn.Linear(i, o, bias=False) for i, o in zip(rev[:-1], rev[1:]))
        self.g = act(a)
        self.k = sizes[-1]

    def forward(self):
        c = torch.eye(self.k)
        outs = [c]
        for i, lin in enumerate(self.lins):
            c = lin(c.detach())
            if i < len(self.lins) - 1:
                c = self.g(c)
            outs.append(c)
        return outs[::-1]  # [c_0, ..., c_{L-1}, I_K]


class CNN(nn.Module):
    """cnn (3x3 stride 2 with bias) or cnn_pool (3x3 stride 1, no bias, then 2x2 max-pool),
    channels C -> 128 -> 128 -> 256 -> 256 -> 512 on 32x32, then a linear pair 512 -> K."""

    def __init__(self, kind, cin, k, a):
        super().__init__()
        ch = [cin, 128, 128, 256, 256, 512]
        s = 2 if kind == "cnn" else 1
        self.kind = kind
        self.convs = nn.ModuleList(nn.Conv2d(i, o, 3, s, 1, bias=(kind == "cnn")) for i, o in zip(ch[:-1], ch[1:]))
        self.lin = nn.Linear(512, k, bias=False)
        self.f = act(a)

    def forward(self, x, detach):
        outs, h = [x], x
        for conv in self.convs:
            h = self.f(conv(h.detach() if detach else h))
            if self.kind == "cnn_pool":
                h = F.max_pool2d(h, 2, 2)
            outs.append(h)
        outs.append(self.lin(h.detach().flatten(1) if detach else h.flatten(1)))
        return outs


class CNNFeedback(nn.Module):
    def __init__(self, kind, cin, k, a):
        super().__init__()
        ch = [cin, 128, 128, 256, 256, 512]
        self.lin = nn.Linear(k, 512, bias=False)
        self.convs = nn.ModuleList(nn.Conv2d(o, i, 3, 1, 1, bias=(kind == "cnn")) for i, o in zip(ch[:-1], ch[1:]))
        self.g = act(a)
        self.k = k

    def forward(self):
        c = self.g(self.lin(torch.eye(self.k))).reshape(self.k, 512, 1, 1)
        outs = [c]
        for i in range(len(self.convs) - 1, -1, -1):
            u = self.convs[i](F.interpolate(c.detach(), scale_factor=2, mode="nearest"))
            c = self.g(u) if i > 0 else u
            outs.append(c)
        outs = outs[::-1]  # [c_0, ..., c_4 (K x 512 x 1 x 1)]
        return [o.flatten(1) for o in outs]


def mlp_pair_loss(A, B, Y, s_c):
    return s_c * (256.0 / A.shape[1]) * torch.mean((A @ B.t() - Y) ** 2)


def cnn_pair_loss(A, B, Y, s_c, s_ssl):
    An = A / (A.norm(dim=1, keepdim=True) + 1e-8)
    Bn = B / (B.norm(dim=1, keepdim=True) + 1e-8)
    n, k = An.shape[0], Bn.shape[0]
    return (s_c * torch.mean((An @ Bn.t() - Y) ** 2)
            + s_ssl * torch.mean((An @ An.t() - torch.eye(n)) ** 2)
            + s_ssl * torch.mean((Bn @ Bn.t() - torch.eye(k)) ** 2))


def centralize(params):
    for p in params:
        if p.grad is not None and p.grad.dim() > 1:
            p.grad.add_(-p.grad.mean(dim=tuple(range(1, p.grad.dim())), keepdim=True))


class AEUnit(nn.Module):
    """[nearest ×2 upsampling,] conv 3×3 (stride 2 or 1, pad 1, bias)[, batch norm (no affine), relu]."""

    def __init__(self, cin, cout, up, bn_act):
        super().__init__()
        self.up = up
        self.conv = nn.Conv2d(cin, cout, 3, 1 if up else 2, 1, bias=True)
        self.bn = nn.BatchNorm2d(cout, affine=False) if bn_act else None

    def forward(self, x):
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        h = self.conv(x)
        if self.bn is not None:
            h = F.relu(self.bn(h))
        return h


class AEStack(nn.Module):
    """Encoder units 1…L (stride 2), then decoder units L…1 (upsampling; unit 1 has no BN/act).
    Forward: names E/D; feedback: DF/EF (same shapes). Returns every unit's output, input first."""

    def __init__(self, ch, names):
        super().__init__()
        L = len(ch) - 1
        self.names = [names[0] + str(l) for l in range(1, L + 1)] + [names[1] + str(l) for l in range(L, 0, -1)]
        self.units = nn.ModuleList(
            [AEUnit(ch[l - 1], ch[l], False, True) for l in range(1, L + 1)]
            + [AEUnit(ch[l], ch[l - 1], True, l > 1) for l in range(L, 0, -1)])

    def forward(self, x, detach):
        outs, h = [x], x
        for u in self.units:
            h = u(h.detach() if detach else h)
            outs.append(h)
        return outs


def ae_init(stack, forward):
    """The reference's initialisation (spec §9): orthogonal conv weights; forward decoder weights
    ×0.001 (D1 ×0), feedback EF weights ×0.001 (EF1 ×0); forward biases zero, feedback biases
    left at PyTorch's default."""
    for name, u in zip(stack.names, stack.units):
        nn.init.orthogonal_(u.conv.weight)
        gain = 1.0
        if name in ("D1", "EF1"):
            gain = 0.0
        elif (forward and name[0] == "D") or (not forward and name[:2] == "EF"):
            gain = 0.001
        with torch.no_grad():
            u.conv.weight.mul_(gain)
            if forward:
                u.conv.bias.zero_()


def centre_normalize(A):
    """Each (sample, channel) map minus its spatial mean, divided by its spatial L2 norm + 1e-8."""
    Z = A - A.mean(dim=(2, 3), keepdim=True)
    return Z / (Z.norm(dim=(2, 3), keepdim=True) + 1e-8)


def ae_pair_loss(A, B, s_c, s_d, end):
    """s_C·H·mse(A, B) [+ s_D·H·mse(Ã, B̃) unless an end pair]; H = the maps' height."""
    h = A.shape[2]
    loss = s_c * h * F.mse_loss(A, B)
    if not end:
        loss = loss + s_d * h * F.mse_loss(centre_normalize(A), centre_normalize(B))
    return loss


def sgd_update(net, opt, o):
    """The reference's update (spec §6): gradient centralization, clipping by total norm, SGD."""
    if o["gradc"]:
        centralize(net.parameters())
    if o["clip"]:
        torch.nn.utils.clip_grad_norm_(net.parameters(), o["clip"])
    opt.step()


def make_ae_step(case):
    torch.manual_seed(0)
    ch, n, o = case["channels"], case["batch"], case["opt"]
    L = len(ch) - 1
    fwd = AEStack(ch, ("E", "D"))
    ae_init(fwd, True)
    x = torch.rand(n, ch[0], case["size"], case["size"])
    opt_f = torch.optim.SGD(fwd.parameters(), lr=o["lr"], momentum=o["mmt"], weight_decay=o["wd"])
    if case["method"] == "BP":
        def bp_step():
            loss = F.mse_loss(fwd(x, detach=False)[-1], x)
            opt_f.zero_grad(set_to_none=False)
            loss.backward()
            sgd_update(fwd, opt_f, o)
        return bp_step

    fb = AEStack(ch, ("DF", "EF"))
    ae_init(fb, False)
    opt_b = torch.optim.SGD(fb.parameters(), lr=o["lr"], momentum=o["mmt"], weight_decay=o["wd"])

    def ccl_step():
        fo = fwd(x, detach=True)  # [x, a_1 … a_L, b_L … b_1]
        bo = fb(x, detach=True)   # [x, c_2 … c_{L+1}, d_{L-1} … d_0]
        loss = sum(ae_pair_loss(fo[p], bo[2 * L - p], case["s_c"], case["s_d"], p in (0, 2 * L))
                   for p in range(2 * L + 1))
        opt_f.zero_grad(set_to_none=False)
        opt_b.zero_grad(set_to_none=False)
        loss.backward()
        sgd_update(fwd, opt_f, o)
        sgd_update(fb, opt_b, o)
    return ccl_step


def make_step(case):
    if case["arch"] == "ae":
        return make_ae_step(case)
    torch.manual_seed(0)
    k, n = case["classes"], case["batch"]
    if case["arch"] == "mlp":
        fwd = MLP(case["sizes"], "elu")
        fb = MLPFeedback(case["sizes"], "elu")
        x = torch.randn(n, case["sizes"][0])
    else:
        fwd = CNN(case["arch"], case["cin"], k, "elu")
        fb = CNNFeedback(case["arch"], case["cin"], k, "elu")
        x = torch.randn(n, case["cin"], 32, 32)
    y = torch.randint(0, k, (n,))
    Y = F.one_hot(y, k).float()
    o = case["opt"]
    opt_f = torch.optim.SGD(fwd.parameters(), lr=o["lr"], momentum=o["mmt"], weight_decay=o["wd"])
    opt_b = torch.optim.SGD(fb.parameters(), lr=o["lr"], momentum=o["mmt"], weight_decay=o["wd"])

    def ccl_step():
        outs = fwd(x, detach=True)
        cs = fb()
        z = outs[-1]
        loss = F.cross_entropy(z, y)
        A_mask = None
        if o["filter"]:
            with torch.no_grad():
                A_mask = (F.softmax(z, 1).gather(1, y[:, None]) <= 0.9).float()
        for l in range(len(outs) - 1):
            A = outs[l].flatten(1)
            if A_mask is not None:
                A = A * A_mask
            B = cs[l].flatten(1)
            loss = loss + (cnn_pair_loss(A, B, Y, 1.0, 0.5) if case["arch"] != "mlp" else mlp_pair_loss(A, B, Y, 0.5))
        opt_f.zero_grad(set_to_none=False)
        opt_b.zero_grad(set_to_none=False)
        loss.backward()
        sgd_update(fwd, opt_f, o)
        sgd_update(fb, opt_b, o)

    def bp_step():
        z = fwd(x, detach=False)[-1]
        loss = F.cross_entropy(z, y)
        opt_f.zero_grad(set_to_none=False)
        loss.backward()
        sgd_update(fwd, opt_f, o)

    return ccl_step if case["method"] == "CCL" else bp_step


# Learning rates are 0.01 rather than the configs' 1 so that the weights stay in
# the normal float range on random data (denormals and NaNs distort timings); a
# step's work does not depend on the learning rate.
MLP_OPT = {"lr": 0.01, "mmt": 0.0, "wd": 0.0, "gradc": False, "clip": 1.0, "filter": False}
CNN_OPT = {"lr": 0.01, "mmt": 0.8, "wd": 1e-6, "gradc": True, "clip": 0.3, "filter": True}
# configs/cnn_ae/stl10_ccl_legacy.yaml and stl10_bp_legacy.yaml (their own learning rates: the
# clipping at 0.2 keeps the weights in range).
AE_OPT = {"CCL": {"lr": 0.01, "mmt": 0.9, "wd": 1e-4, "gradc": True, "clip": 0.2},
          "BP": {"lr": 0.03, "mmt": 0.5, "wd": 1e-5, "gradc": True, "clip": 0.2}}
CASES = []
for method in ("CCL", "BP"):
    CASES.append(dict(name="fmnist_mlp_" + method.lower(), method=method, arch="mlp", classes=10, batch=256,
                      sizes=[784, 256, 256, 256, 256, 256, 10], opt=MLP_OPT))
    CASES.append(dict(name="cifar10_mlp_" + method.lower(), method=method, arch="mlp", classes=10, batch=256,
                      sizes=[3072, 1024, 1024, 1024, 10], opt=MLP_OPT))
    CASES.append(dict(name="cifar10_cnn_pool_" + method.lower(), method=method, arch="cnn_pool", cin=3, classes=10,
                      batch=128, opt=CNN_OPT))
    CASES.append(dict(name="fmnist_cnn_" + method.lower(), method=method, arch="cnn", cin=1, classes=10,
                      batch=256, opt=MLP_OPT))
    CASES.append(dict(name="stl10_ae_" + method.lower(), method=method, arch="ae", channels=[3, 128, 256, 1024, 2048],
                      size=96, batch=32, s_c=1.0, s_d=1.0, heavy=True, opt=AE_OPT[method]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--steps", type=int, default=10, help="timed steps per case (default 10)")
    ap.add_argument("--ae-steps", type=int, default=None,
                    help="timed steps for the autoencoder cases, whose steps take seconds (default: --steps)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps before timing (default 2)")
    ap.add_argument("--only", default="", help="run only cases whose name contains this (e.g. mlp, stl10_ae, _bp)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print("torch %s, %d threads, OpenBLAS core type %s" % (torch.__version__, torch.get_num_threads(), OPENBLAS_CORE or "as detected"), flush=True)
    for case in CASES:
        if args.only not in case["name"]:
            continue
        step = make_step(case)
        for _ in range(args.warmup):
            step()
        steps = args.ae_steps if case.get("heavy") and args.ae_steps is not None else args.steps
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        ms = 1000 * statistics.median(times)
        print("%-24s %9.2f ms/step %9.1f samples/s" % (case["name"], ms, case["batch"] / ms * 1000), flush=True)


if __name__ == "__main__":
    main()
