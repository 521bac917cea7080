// Package bp trains the same forward networks as package ccl (MLPs and the
// cnn / cnn_pool CNNs) by ordinary
// back-propagation: the baseline of the paper. Nothing is detached; the
// cross-entropy of the logits is the only loss, and its gradient is carried
// down through every layer, batch norm included, by the transposes of the
// forward weights. There is no feedback network.
//
// The rules, for a network of L units (shapes in package net):
//
//	z = F(x);  dz = scale·(softmax(z) − Y)/n
//	δ_L = dz
//	for l = L … 1:
//	    dz_l = poolᵀ(δ_l) ⊙ f'(z_l)   (l < L), through BN if fw_bn = 2
//	    dW_l += dz_lᵀ · in_l   (conv: dz_lᵀ · im2col(in_l));  db_l += Σ_rows dz_l
//	    δ_{l−1} = dz_l · W_l   (conv: col2im(dz_l · W_l)), through BN if fw_bn = 1   (not needed for l = 1)
//
// then one optimiser step (gradient centralization, clipping, SGD) on the
// forward weights with lr_F, mmt_F, wd_F and grad_clip_F. The code is in
// net.Unit.Backward (one layer) and Network.Gradients (the chain).
package bp
