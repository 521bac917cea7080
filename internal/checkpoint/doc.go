// Package checkpoint saves and restores training runs in the safetensors
// format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON header naming every
// tensor's dtype, shape and byte range, then the raw little-endian values.
//
// The low level is File, Encode/Decode and Write/Read: a strict, panic-free
// reader and a deterministic, atomic writer (package atomicfile).
//
// The high level is Layout and State. A Layout maps one network's tensor
// names (W1 …, V1 …, E1, Eb1, …; see packages ccl and bp) and batch norms to
// the PyTorch state_dict keys of the authors' reference models
// (IandRover/CCL-NeurIPS24), so that a checkpoint loads into their modules
// with load_state_dict(strict=True) once the keys starting with
// "optimizer." are dropped. A State names what one run's checkpoint holds:
// the weight sets, the batch norms through the Layout, the SGD momentum
// buffers ("optimizer.forward.momentum.<key>", "optimizer.feedback.momentum.<key>")
// and the metadata needed to continue (Meta).
//
// Key tables (reference file → module attribute names):
//
// MLP (models/models.py, LinearModel_*; layer class C2Linear of
// models/layers.py), L layers: module m_l = "enc<l>" for l < L and
// "output" for l = L.
//
//	W_l  → m_l.forward_layer.weight    (d_l × d_{l−1})
//	V_l  → m_l.backward_layer.weight   (d_{l−1} × d_l)
//	m_l.forward_bn.*   when fw_bn ≠ 0: BatchNorm1d(d_{l−1}) for fw_bn = 1, (d_l) for 2
//	m_l.backward_bn.*  when bw_bn ≠ 0: BatchNorm1d(d_l) for bw_bn = 1, (d_{l−1}) for 2
//
// The reference builds the batch norms of "output" (forward) and "enc1"
// (feedback) too although it never runs them (act=False); our stacks have
// none there, so they are written fresh (mean 0, var 1, 0 batches) and
// only their shapes are checked on load.
//
// CNN (models/models_cnn.py: CNNModel for "cnn", layer class C2Conv of
// models/layers.py; CNNModel_Pool for "cnn_pool", layer class C2ConvStride1
// of models/models_cnn.py; the pools and C2View hold no state), L − 1 conv
// layers then the linear one: m_l = "enc<l>" for l < L, "output" for l = L.
//
//	W_l, b_l   → m_l.forward_layer.weight, .bias     (b_l: "cnn" only)
//	V_l, vb_l  → m_l.backward_layer.weight, .bias    (vb_l: "cnn" only)
//	m_l.forward_bn.*, m_l.backward_bn.*              as for the MLP, BatchNorm2d over channels
//
// The reference flattens a 512×1×1 map before "output"; CNNLayout requires
// a 1×1 last map, where our NHWC flattening equals PyTorch's NCHW one.
//
// Autoencoder (models/models_cnn_ae_legacy.py, C2Model_ConvAutoEncoder_Legacy
// with layer classes C2Conv (enc<l>) and C2ConvTrans (dec<l>) of that file):
//
//	E_l,  Eb_l  → enc<l>.forward_layer.weight, .bias     enc<l>.forward_bn.*     (C_l)
//	EF_l, EFb_l → enc<l>.backward_layer.weight, .bias    enc<l>.backward_bn.*    (C_{l−1}; unused for l = 1)
//	D_l,  Db_l  → dec<l>.forward_layer.weight, .bias     dec<l>.forward_bn.*     (C_{l−1}; unused for l = 1)
//	DF_l, DFb_l → dec<l>.backward_layer.weight, .bias    dec<l>.backward_bn1.*   (C_l)
//
// Every batch norm <bn> is written as <bn>.running_mean, <bn>.running_var
// (F32), <bn>.num_batches_tracked (I64 scalar) and, when the reference's
// module is affine, <bn>.weight = 1 and <bn>.bias = 0: the reference never
// trains them (they are in neither optimiser), and our batch norms have no
// affine step. Affine is always on except for the "cnn" kind's C2Conv,
// which follows the run's bn_affine setting. On load, weight and bias must
// be exactly 1 and 0.
//
// Convolution weights need no permutation: our NHWC layers store them in
// PyTorch's (C_out, C_in, k_h, k_w) layout.
package checkpoint
