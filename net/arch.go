package net

import "fmt"

// ConvKind is the kind of convolution pair of a CNN (spec §2).
type ConvKind int

const (
	// StrideConv ("cnn"): forward conv 3×3, stride 2, padding 1, with bias;
	// feedback nearest ×2 upsampling, then conv 3×3, stride 1, padding 1,
	// with bias.
	StrideConv ConvKind = iota
	// PoolConv ("cnn_pool"): forward conv 3×3, stride 1, padding 1, no
	// bias, activation, then 2×2 max-pool; feedback nearest ×2 upsampling,
	// then conv 3×3, stride 1, padding 1, no bias.
	PoolConv
)

// ParseConvKind maps an architecture name (cnn, cnn_pool) to its kind.
func ParseConvKind(arch string) (ConvKind, error) {
	switch arch {
	case "cnn":
		return StrideConv, nil
	case "cnn_pool":
		return PoolConv, nil
	}
	return 0, fmt.Errorf("unknown CNN architecture %q (expected cnn or cnn_pool)", arch)
}

// CNNSpec describes the paper's CNNs (spec §3): conv pairs over the channel
// list, each halving the map, then one linear pair from the flattened last
// map to the classes. The reference's networks are channels
// C→128→128→256→256→512 on 32×32 inputs (32→16→8→4→2→1), then 512→K.
type CNNSpec struct {
	Kind     ConvKind
	Channels []int // C_0 (input) … C_{L−1}: L−1 conv pairs
	H, W     int   // input size; must halve exactly L−1 times
	Classes  int   // K
}

// Layers returns L: the conv pairs plus the linear pair.
func (s CNNSpec) Layers() int { return len(s.Channels) }

// Size returns the spatial size of a_l (l = 0 … L−1).
func (s CNNSpec) Size(l int) (h, w int) { return s.H >> l, s.W >> l }

// Check reports a spec whose input does not halve evenly down the stack.
func (s CNNSpec) Check() error {
	if len(s.Channels) < 2 || s.Classes < 1 {
		return fmt.Errorf("a CNN needs an input and at least one conv pair, and classes ≥ 1")
	}
	n := len(s.Channels) - 1
	if s.H%(1<<n) != 0 || s.W%(1<<n) != 0 || s.H < 1<<n || s.W < 1<<n {
		return fmt.Errorf("input %d×%d cannot be halved %d times (needs multiples of %d)", s.H, s.W, n, 1<<n)
	}
	for _, c := range s.Channels {
		if c < 1 {
			return fmt.Errorf("channels must be positive, got %v", s.Channels)
		}
	}
	return nil
}

// NewCNNStack builds the forward network of a CNN: L−1 conv units (kind
// per spec, activation act, batch-norm placement bn) then the linear unit
// from the flattened last map (H·W·C, NHWC order; 1×1 in the reference's
// networks, so the order is immaterial there) to the logits, with neither
// activation nor batch norm. Weights are named W1 … WL, conv biases b1 ….
func NewCNNStack(p *Params, s CNNSpec, act Activation, bn, maxRows int) *Stack {
	st := &Stack{}
	L := s.Layers()
	for l := 1; l < L; l++ {
		h, w := s.Size(l - 1)
		cfg := UnitConfig{InC: s.Channels[l-1], InH: h, InW: w, OutC: s.Channels[l],
			Conv: true, Kernel: 3, Pad: 1, BN: bn, Act: act}
		if s.Kind == StrideConv {
			cfg.Stride, cfg.Bias = 2, true
		} else {
			cfg.Stride, cfg.Pool = 1, true
		}
		st.Units = append(st.Units, NewUnit(p, fmt.Sprintf("W%d", l), fmt.Sprintf("b%d", l), cfg, maxRows))
	}
	h, w := s.Size(L - 1)
	top := UnitConfig{InC: s.Channels[L-1] * h * w, InH: 1, InW: 1, OutC: s.Classes, Act: Identity}
	st.Units = append(st.Units, NewUnit(p, fmt.Sprintf("W%d", L), "", top, maxRows))
	return st
}

// AESpec describes the reference's convolutional autoencoder (spec §9):
// L encoder pairs over Channels (C_0 → … → C_L, each halving the map),
// then L decoder pairs back (C_L → … → C_0, each doubling it). The
// reference's network is 3→128→256→1024→2048 on 96×96 (96→48→24→12→6).
type AESpec struct {
	Channels []int // C_0 … C_L
	H, W     int   // input size; must halve exactly L times
}

// Levels returns L, the number of encoder (and of decoder) pairs.
func (s AESpec) Levels() int { return len(s.Channels) - 1 }

// Check reports a spec whose input does not halve evenly L times.
func (s AESpec) Check() error {
	L := s.Levels()
	if L < 1 {
		return fmt.Errorf("an autoencoder needs at least one encoder pair")
	}
	if s.H%(1<<L) != 0 || s.W%(1<<L) != 0 || s.H < 1<<L || s.W < 1<<L {
		return fmt.Errorf("input %d×%d cannot be halved %d times (needs multiples of %d)", s.H, s.W, L, 1<<L)
	}
	for _, c := range s.Channels {
		if c < 1 {
			return fmt.Errorf("channels must be positive, got %v", s.Channels)
		}
	}
	return nil
}

// NewAEForwardStack builds the autoencoder's forward network (spec §9):
// encoder units E1 … EL (conv 3×3 stride 2 padding 1 with bias, batch norm,
// activation), then decoder units DL … D1 (nearest ×2 upsampling, conv 3×3
// stride 1 padding 1 with bias, batch norm, activation), the last of which
// (D1, giving the reconstruction) has neither batch norm nor activation.
// Its outputs are [x, a_1, …, a_L, b_L, …, b_1]. Batch norm is always on, as
// in the reference's legacy autoencoder.
func NewAEForwardStack(p *Params, s AESpec, act Activation, maxRows int) *Stack {
	st := &Stack{}
	L := s.Levels()
	for l := 1; l <= L; l++ {
		st.Units = append(st.Units, NewUnit(p, fmt.Sprintf("E%d", l), fmt.Sprintf("Eb%d", l), UnitConfig{
			InC: s.Channels[l-1], InH: s.H >> (l - 1), InW: s.W >> (l - 1), OutC: s.Channels[l],
			Conv: true, Kernel: 3, Stride: 2, Pad: 1, Bias: true, BN: 2, Act: act}, maxRows))
	}
	for l := L; l >= 1; l-- {
		cfg := UnitConfig{InC: s.Channels[l], InH: s.H >> l, InW: s.W >> l, OutC: s.Channels[l-1],
			Conv: true, Kernel: 3, Stride: 1, Pad: 1, Upsample: true, Bias: true, BN: 2, Act: act}
		if l == 1 {
			cfg.BN, cfg.Act = 0, Identity
		}
		st.Units = append(st.Units, NewUnit(p, fmt.Sprintf("D%d", l), fmt.Sprintf("Db%d", l), cfg, maxRows))
	}
	return st
}
