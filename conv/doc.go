// Package conv holds the kernels of the paper's convolutional networks: 2-d
// convolution as one matrix product with the im2col matrix, its two
// backward products, 2×2 max-pooling and nearest-neighbour ×2 upsampling
// with their adjoints.
// It is a kernel library: it knows nothing of layers, models or files, and
// it imports only package blas.
//
// # Layout: NHWC
//
// A batch of feature maps is stored NHWC, row-major: N samples of H×W pixels
// with C channels each, element (n, y, x, c) at index ((n·H + y)·W + x)·C + c.
// Equivalently, it is an (N·H·W) × C row-major matrix with one row per pixel.
// This layout is chosen because it makes every operation of the networks a
// matrix operation on rows:
//
//   - a convolution becomes ONE matrix product of the im2col matrix, with
//     M = N·Ho·Wo rows (large, which suits the packed SGEMM), N = Cout columns
//     and depth K = Cin·kh·kw; its output is directly the next layer's NHWC
//     input, with no transposition;
//   - 2-d batch norm is plain batch norm over the N·H·W rows of the matrix;
//   - bias addition is row-wise and activations are element-wise;
//   - flattening a 1×1 map (N·1·1) × C is free: it already is the N × C
//     matrix a linear layer takes;
//   - a sub-batch of samples [n0, n1) is the contiguous sub-slice of rows
//     [n0·H·W, n1·H·W).
//
// # The im2col matrix is gathered, not stored
//
// With 16 input channels or more, Forward and BackwardWeight never store
// the im2col matrix: the products pack it block by block straight from the
// input (blas.SgemmGatherA, SgemmGatherB with a view of the input), so the
// matrix, K² times the input (151 MB for cnn_pool's second layer at batch
// 128, 1.4 GB for the autoencoder's widest), is neither written to memory
// nor read back. Below 16 channels (an image's 3) the gathered runs are too
// short and im2col stores it in the caller's scratch. Narrow convolutions
// (K·K·Cout ≤ Cin) run on the output side instead (see Geometry.Narrow).
// BackwardInput still forms dOut·W in im2col shape for col2im.
//
// Weights keep PyTorch's layout (Cout, Cin, kh, kw), i.e. a Cout × (Cin·kh·kw)
// row-major matrix, so checkpoints map 1:1 onto PyTorch's state and gradient
// centralization (which centres each output filter) is per row. The im2col
// matrix, though, is tap-major: col row r = (n, oy, ox), column
// (ky·kw + kx)·Cin + c holds in(n, oy·S − P + ky, ox·S − P + kx, c), or 0 in
// the zero padding. In NHWC the taps kx = 0 … kw−1 of one kernel row are
// then a single contiguous run of the input (kw·Cin values), so im2col is a
// few memory copies per output pixel instead of a scatter with stride
// kh·kw (which measured a fifth of a CIFAR CNN step). The products use a
// tap-major copy of the weights ((Cout, kh, kw, Cin), ToTapMajor; a
// weight-sized reordering per call, small next to the im2col matrix), and
// the weight gradient is reordered back (FromTapMajor).
//
// # Conventions
//
// Arguments come in the order: outputs, then upstream gradients, then saved
// values (inputs, weights, scratch), then sizes. Parameter gradients (dW,
// dBias) accumulate (+=); every other output is overwritten. Slices must be
// at least as long as the shapes require (longer slices are allowed; elements
// past the shape are never touched); a too-short slice or an invalid shape is
// a programming error and panics.
//
// # Threads and allocation
//
// The matrix products run on blas.Sgemm (parallel, deterministic). The other
// loops (im2col, col2im, pooling, upsampling, bias fill) are split over
// samples among GOMAXPROCS goroutines of a persistent worker pool when the
// work is large enough, and run on the caller otherwise. Every sample is
// computed by one goroutine in a fixed order, so results are bit-identical
// for any number of threads. No function allocates (after the pool's
// warm-up), so a training step can run allocation-free. All functions are
// safe for concurrent use on distinct outputs.
package conv
