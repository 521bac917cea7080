package checkpoint

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/counter-current/ccl/net"
)

// Layout maps one network's tensors and batch norms to checkpoint keys.
// Build it with MLPLayout, CNNLayout, AELayout (the reference's state_dict
// keys; see the package comment) or NativeLayout (our own names).
type Layout struct {
	Arch  string            // "mlp", "cnn", "cnn_pool", "autoencoder" or "native"
	Keys  map[string]string // our tensor name (W1, V1, b1, E1, …) → key
	Norms []Norm            // every batch norm module of the reference model
}

// Norm is one batch-norm module of the checkpoint.
type Norm struct {
	Prefix   string         // e.g. "enc1.forward_bn"; the keys are Prefix + ".running_mean", …
	Features int            // channels or features
	BN       *net.BatchNorm // nil: the module exists in the reference but our network has no batch norm there
	Affine   bool           // write weight = 1 and bias = 0 (the module is affine in the reference)
}

// MLPLayout returns the reference keys of a CCL MLP (ccl.NewMLP: F holds
// W1 … WL, B holds V_L … V_1) built with batch-norm placements fwBN and
// bwBN (0, 1 or 2). B may be nil (a BP network, bp.NewMLP): then only the
// forward keys are mapped, and a PyTorch load needs strict=False.
func MLPLayout(F, B *net.Stack, fwBN, bwBN int) (*Layout, error) {
	for _, s := range []*net.Stack{F, B} {
		if s == nil {
			continue
		}
		for _, u := range s.Units {
			if u.Cfg.Conv {
				return nil, fmt.Errorf("checkpoint: mlp layout: unit %s is a convolution", u.W.Name)
			}
		}
	}
	return classifierLayout("mlp", F, B, fwBN, bwBN, true)
}

// CNNLayout returns the reference keys of a CCL CNN (ccl.NewCNN, or
// bp.NewCNN with B nil) of the given kind, with batch-norm placements fwBN
// and bwBN; bnAffine is the run's bn_affine setting, which only the "cnn"
// kind's conv layers (C2Conv) follow. The last conv map must be 1×1, as in
// the reference (C2View((512,1,1), 512)).
func CNNLayout(kind net.ConvKind, F, B *net.Stack, fwBN, bwBN int, bnAffine bool) (*Layout, error) {
	arch := "cnn"
	if kind == net.PoolConv {
		arch, bnAffine = "cnn_pool", true
	}
	L := F.Layers()
	if L < 2 {
		return nil, fmt.Errorf("checkpoint: %s layout: %d layers, need conv layers and a linear one", arch, L)
	}
	if h, w, _ := F.Unit(L - 1).Cfg.OutShape(); h != 1 || w != 1 {
		return nil, fmt.Errorf("checkpoint: %s layout: the last conv map is %d×%d; the reference flattens a 1×1 map (use NativeLayout)", arch, h, w)
	}
	return classifierLayout(arch, F, B, fwBN, bwBN, bnAffine)
}

// classifierLayout maps the MLP and CNN stacks: pair l is module enc<l>
// (output for l = L), forward unit l and feedback unit L − l + 1.
func classifierLayout(arch string, F, B *net.Stack, fwBN, bwBN int, convAffine bool) (*Layout, error) {
	L := F.Layers()
	if B != nil && B.Layers() != L {
		return nil, fmt.Errorf("checkpoint: %s layout: forward stack has %d layers, feedback %d", arch, L, B.Layers())
	}
	if fwBN < 0 || fwBN > 2 || bwBN < 0 || bwBN > 2 {
		return nil, fmt.Errorf("checkpoint: %s layout: batch-norm placements %d, %d (expected 0, 1 or 2)", arch, fwBN, bwBN)
	}
	lay := &Layout{Arch: arch, Keys: map[string]string{}}
	for l := 1; l <= L; l++ {
		m := fmt.Sprintf("enc%d", l)
		if l == L {
			m = "output"
		}
		fu := F.Unit(l)
		affine := !fu.Cfg.Conv || convAffine
		if err := lay.addUnit(fu, fmt.Sprintf("W%d", l), m+".forward_layer"); err != nil {
			return nil, err
		}
		if err := lay.addNorm(fu, fwBN, m+".forward_bn", affine); err != nil {
			return nil, err
		}
		if B == nil {
			continue
		}
		bu := B.Unit(L - l + 1)
		if err := lay.addUnit(bu, fmt.Sprintf("V%d", l), m+".backward_layer"); err != nil {
			return nil, err
		}
		if err := lay.addNorm(bu, bwBN, m+".backward_bn", affine); err != nil {
			return nil, err
		}
	}
	return lay, nil
}

// addUnit maps u's weight (which must be named want) and bias to
// module.weight and module.bias.
func (lay *Layout) addUnit(u *net.Unit, want, module string) error {
	if u.W.Name != want {
		return fmt.Errorf("checkpoint: %s layout: found weight %s where %s was expected", lay.Arch, u.W.Name, want)
	}
	lay.Keys[u.W.Name] = module + ".weight"
	if u.B != nil {
		lay.Keys[u.B.Name] = module + ".bias"
	}
	return nil
}

// addNorm adds the reference's batch norm of placement bn (0: none) next
// to unit u: over u's input for bn = 1, its output for bn = 2. The unit
// may lack it (the reference's unused top batch norms).
func (lay *Layout) addNorm(u *net.Unit, bn int, prefix string, affine bool) error {
	if bn == 0 {
		if u.Norm != nil {
			return fmt.Errorf("checkpoint: %s layout: unit %s has a batch norm but the placement is 0", lay.Arch, u.W.Name)
		}
		return nil
	}
	feat := u.Cfg.OutC
	if bn == 1 {
		feat = u.Cfg.InC
	}
	if u.Norm != nil && (u.Norm.Features != feat || u.Cfg.BN != bn) {
		return fmt.Errorf("checkpoint: %s layout: unit %s: batch norm over %d features at placement %d, expected %d at %d",
			lay.Arch, u.W.Name, u.Norm.Features, u.Cfg.BN, feat, bn)
	}
	lay.Norms = append(lay.Norms, Norm{Prefix: prefix, Features: feat, BN: u.Norm, Affine: affine})
	return nil
}

// AELayout returns the reference keys of the CCL convolutional autoencoder
// (ccl.NewAutoencoder: F holds E1 … EL, DL … D1; B holds DF1 … DFL,
// EFL … EF1) or of the BP one (B nil). The units are matched by name.
func AELayout(F, B *net.Stack) (*Layout, error) {
	lay := &Layout{Arch: "autoencoder", Keys: map[string]string{}}
	for _, s := range []*net.Stack{F, B} {
		if s == nil {
			continue
		}
		for _, u := range s.Units {
			name := u.W.Name
			var module, bn string
			tail := strings.TrimLeft(name, "EDF")
			l, err := strconv.Atoi(tail)
			if err != nil || l < 1 || tail[0] == '0' {
				return nil, fmt.Errorf("checkpoint: autoencoder layout: unexpected unit %s", name)
			}
			switch strings.TrimSuffix(name, tail) {
			case "E":
				module, bn = fmt.Sprintf("enc%d.forward_layer", l), fmt.Sprintf("enc%d.forward_bn", l)
			case "EF":
				module, bn = fmt.Sprintf("enc%d.backward_layer", l), fmt.Sprintf("enc%d.backward_bn", l)
			case "D":
				module, bn = fmt.Sprintf("dec%d.forward_layer", l), fmt.Sprintf("dec%d.forward_bn", l)
			case "DF":
				module, bn = fmt.Sprintf("dec%d.backward_layer", l), fmt.Sprintf("dec%d.backward_bn1", l)
			default:
				return nil, fmt.Errorf("checkpoint: autoencoder layout: unexpected unit %s", name)
			}
			if err := lay.addUnit(u, name, module); err != nil {
				return nil, err
			}
			// Every reference layer has its batch norm over the layer's
			// output channels, used or not (D1 and EF1 do not use it).
			if err := lay.addNorm(u, 2, bn, true); err != nil {
				return nil, err
			}
		}
	}
	return lay, nil
}

// NativeLayout keeps our own tensor names as keys and names the batch norm
// of the unit holding weight W as "bn.<W>" (e.g. bn.W2.running_mean). It
// fits every network, including CNNs whose last map is not 1×1, for
// resuming our own runs; it is not loadable into the reference's modules.
func NativeLayout(F, B *net.Stack) *Layout {
	lay := &Layout{Arch: "native", Keys: map[string]string{}}
	for _, s := range []*net.Stack{F, B} {
		if s == nil {
			continue
		}
		for _, u := range s.Units {
			lay.Keys[u.W.Name] = u.W.Name
			if u.B != nil {
				lay.Keys[u.B.Name] = u.B.Name
			}
			if u.Norm != nil {
				lay.Norms = append(lay.Norms, Norm{Prefix: "bn." + u.W.Name, Features: u.Norm.Features, BN: u.Norm})
			}
		}
	}
	return lay
}
