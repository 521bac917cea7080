// Package ccl implements Counter-Current Learning (Kao & Hariharan,
// "Counter-Current Learning: A Biologically Plausible Dual Network Approach
// for Deep Learning", NeurIPS 2024, arXiv 2409.19841), following the
// behaviour of the authors' PyTorch code as written down in the project's
// spec (ccl-reference.md), quirks included.
//
// Two networks run in opposite directions. The forward network F maps the
// input x to logits; the feedback network B maps the K×K class identity back
// toward the input, one layer per forward layer, reversed. Layer l of F
// gives a_l (n × d_l), B gives c_l (K × d_l), and a local loss compares them.
// Every layer's input is detached, so each weight learns only from the one
// pair it directly produces. No weight is ever transposed into another.
//
// # Every rule, and where it lives
//
// Shapes: n batch rows, K classes, d_l width of layer l (package net).
//
// Every layer is a net.Unit (net.Unit.Forward / net.Unit.Backward); a
// network is a net.Stack of them. Feature maps are NHWC (package conv).
//
// Forward network (net.NewMLPStack, net.NewCNNStack, spec §2):
//
//	h_l = in_l · W_lᵀ (MLP) or conv(in_l; W_l) + b_l (cnn: 3×3 stride 2 with bias;
//	      cnn_pool: 3×3 stride 1, no bias),  in_l = a_{l−1} (detached) or BN(a_{l−1}) with fw_bn = 1
//	a_l = f(h_l), or f(BN(h_l)) with fw_bn = 2; cnn_pool: a_l = maxpool₂ₓ₂(f(·))
//	      (computed as f(maxpool₂ₓ₂(·)), equal for the non-decreasing activations offered)
//	logits z = h_L (a linear unit; no BN, no f)
//
// Feedback network (reversed widths, fed I_K; NewMLP, NewCNN):
//
//	u = in · V_lᵀ (MLP, and the CNN's linear pair) or conv(up₂ₓ(in); V_l) (+ vb_l for cnn),
//	in = c_l (detached) or BN(c_l) with bw_bn = 1
//	c_{l−1} = g(u), or g(BN(u)) with bw_bn = 2;  c_0 = u (no BN, no g)
//
// Filter (Network.Gradients, spec §4), when filter_target ≠ 0:
//
//	p = softmax(z) (no gradient);  row i of every A is zeroed if p_{i,y_i} > 0.9
//
// Pair loss, pairs l = 0 … L−1, A = a_l (x for l = 0), B = c_l, both flattened:
//
//	MLP (PairLoss):  S = A·Bᵀ,  L_l = s_C·(256/d_l)·mean_{n×K}((S − Y)²)
//	                 dS = 2(S − Y)·s_C·(256/d_l)/(nK),  dA = dS·B,  dB = dSᵀ·A
//	CNN (CNNLoss.Pair):  Â, B̂ = rows divided by (‖row‖ + 1e-8)
//	                 L_l = s_C·mean((ÂB̂ᵀ − Y)²) + s_ssl·mean((ÂÂᵀ − I_n)²) + s_ssl·mean((B̂B̂ᵀ − I_K)²)
//	                 dÂ = dP·B̂ + 2dQ·Â, dB̂ = dPᵀ·Â + 2dR·B̂, then through the normalisation
//
// Output loss (net.SoftmaxCrossEntropy): CE = mean_i −log softmax(z_i)_{y_i},
// dz = (softmax(z) − Y)/n; it reaches only W_L: dW_L = dzᵀ·a_{L−1}.
//
// Total and warm-up (net.WarmupScale, spec §4):
//
//	L = s·(Σ_l L_l + CE),  s = (batch index in epoch + 1)/warmup while step < warmup, else 1
//
// What each weight receives (Network.Gradients → net.Unit.Backward, spec §5):
//
//	dW_l     = (dA_l through pool, f', BN)ᵀ · in_l     from pair l only (1 ≤ l < L); conv: im2col(in_l)
//	db_l     = Σ_rows (dA_l through pool, f', BN)       (cnn only)
//	dV_{l+1} = (dB_l through g', BN)ᵀ · c_{l+1}         from pair l only (no g' for l = 0); conv: im2col(up(c_{l+1}))
//
// Optimisation, separately for {W} and {V} (net.Optimizer.Step, spec §6):
//
//  1. GradC: G ← G − mean over the input dimension, per output row (net.CentralizeGradients)
//  2. clip: if ‖G‖ > c, G ← G·c/(‖G‖ + 1e-6), norm over the whole set (net.ClipGradNorm)
//  3. SGD: g ← g + wd·w; buf ← g (first) or m·buf + g; w ← w − lr·buf (net.SGD)
//  4. per epoch, if tmax ≠ 0: lr_e = η_min + (lr_0 − η_min)(1 + cos(πe/tmax))/2 (net.CosineLR)
//
// For the MLPs without momentum and GradC (the paper's MLP configs), Step
// applies steps 2 and 3 to {V} without forming dV: each dV_{l+1} = dzᵀ·c_{l+1}
// has only K rows of factors, so ‖dV‖² comes from two K×K Gram matrices and
// V ← (1 − lr·wd)·V − lr·coef·dzᵀ·c_{l+1} is one matrix product per layer
// (lowRank; equal to the staged update up to float32 rounding).
//
// Quirks of the reference, reproduced on purpose: the warm-up uses the batch
// index within the epoch; batch-norm affine parameters are in no optimiser
// (so γ = 1, β = 0 throughout, and net.BatchNorm stores none); the filter's
// threshold is fixed at 0.9 whatever non-zero filter_target says.
//
// Golden files written by independent PyTorch scripts
// (testdata/golden/mlp_golden.py and cnn_golden.py, autograd) check every
// one of these rules to a relative error of 1e-4 after two optimiser steps.
package ccl
