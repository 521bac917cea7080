// Package net holds what both learning rules share: parameter storage,
// linear layers, activations, 1-d batch norm, the softmax cross-entropy,
// initialisation, and the optimiser (SGD with PyTorch semantics, gradient
// centralization, clipping by total norm, cosine annealing, warm-up).
// It imports neither package ccl nor package bp.
//
// Shape legend, used in every doc comment:
//
//	n    rows in a batch (N samples for the forward network, K classes for
//	     CCL's feedback network, which is fed the K×K identity)
//	din  width of a layer's input, dout width of its output
//	d_l  width of layer l; d_0 is the input width, d_L the number of classes
//
// Every matrix is row-major: a batch of n rows of width d is an n×d slice.
//
// Conventions (after llm.c): functions take outputs first, then upstream
// gradients, then what the forward pass saved, then sizes. Gradients carry a
// d prefix. Parameter gradients are accumulated (+=), so one Params.ZeroGrad
// clears a whole set; gradients of intermediate values are written (=).
package net
