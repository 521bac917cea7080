package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/counter-current/ccl/net"
)

// FormatVersion is the version of this package's checkpoint contents,
// stored as the metadata "ccl.format_version".
const FormatVersion = "1"

// Metadata keys written by State.File.
const (
	MetaFormat     = "format"             // "pt", the safetensors convention for PyTorch tensors
	MetaVersion    = "ccl.format_version" // FormatVersion
	MetaArch       = "ccl.arch"           // Meta.Arch
	MetaEpoch      = "ccl.epoch"          // Meta.Epoch, decimal
	MetaGlobalStep = "ccl.global_step"    // Meta.GlobalStep, decimal
	MetaSeed       = "ccl.seed"           // Meta.Seed, decimal
	MetaConfigHash = "ccl.config_hash"    // Meta.ConfigHash
)

// Prefixes of the optimiser state: the momentum buffer of the tensor with
// key k is OptimizerForward + k or OptimizerFeedback + k.
const (
	OptimizerForward  = "optimizer.forward.momentum."  // forward weights' SGD momentum
	OptimizerFeedback = "optimizer.feedback.momentum." // feedback weights' SGD momentum
)

// Meta is the run information a checkpoint carries in its metadata.
type Meta struct {
	Arch       string            // the Layout's Arch when empty on save; checked against it on load
	Epoch      int64             // epochs completed
	GlobalStep int64             // optimiser steps taken
	Seed       int64             // the run's seed
	ConfigHash string            // hash of the run's configuration
	Extra      map[string]string // any other metadata, written and read as is
}

// metadata returns m as string metadata.
func (m Meta) metadata() (map[string]string, error) {
	md := map[string]string{}
	for k, v := range m.Extra {
		md[k] = v
	}
	std := map[string]string{
		MetaFormat:     "pt",
		MetaVersion:    FormatVersion,
		MetaArch:       m.Arch,
		MetaEpoch:      strconv.FormatInt(m.Epoch, 10),
		MetaGlobalStep: strconv.FormatInt(m.GlobalStep, 10),
		MetaSeed:       strconv.FormatInt(m.Seed, 10),
		MetaConfigHash: m.ConfigHash,
	}
	for k, v := range std {
		if _, clash := m.Extra[k]; clash {
			return nil, fmt.Errorf("extra metadata %q is reserved", k)
		}
		md[k] = v
	}
	return md, nil
}

// HashConfig returns the hex SHA-256 of v's JSON encoding (struct fields in
// declaration order, map keys sorted: deterministic), for Meta.ConfigHash.
func HashConfig(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("checkpoint: config hash: %w", err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// ParseMeta reads the run information of a file's metadata. A file without
// "ccl.format_version" (e.g. written by PyTorch) gives a zero Meta with
// every key in Extra; another version than FormatVersion is an error.
func ParseMeta(md map[string]string) (Meta, error) {
	var m Meta
	v, ok := md[MetaVersion]
	if !ok {
		m.Extra = maps.Clone(md)
		return m, nil
	}
	if v != FormatVersion {
		return m, fmt.Errorf("metadata %s is %q, this reader knows %q", MetaVersion, v, FormatVersion)
	}
	m.Arch, m.ConfigHash = md[MetaArch], md[MetaConfigHash]
	for k, dst := range map[string]*int64{MetaEpoch: &m.Epoch, MetaGlobalStep: &m.GlobalStep, MetaSeed: &m.Seed} {
		s, ok := md[k]
		if !ok {
			return m, fmt.Errorf("metadata %s is missing", k)
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return m, fmt.Errorf("metadata %s: expected an integer, got %q", k, s)
		}
		*dst = n
	}
	for k, v := range md {
		switch k {
		case MetaFormat, MetaVersion, MetaArch, MetaEpoch, MetaGlobalStep, MetaSeed, MetaConfigHash:
			continue
		}
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		m.Extra[k] = v
	}
	return m, nil
}

// State is everything one run's checkpoint holds. Forward and Feedback are
// the weight sets (Feedback nil for a BP network); OptForward and
// OptFeedback the optimisers whose momentum buffers are saved (nil: none);
// BatchesTracked is PyTorch's num_batches_tracked of every batch norm our
// network runs (one training-mode forward per step: the global step).
type State struct {
	Layout                  *Layout
	Forward, Feedback       *net.Params
	OptForward, OptFeedback *net.SGD
	BatchesTracked          int64
	Meta                    Meta
}

// sets returns the weight sets with their names and optimisers.
func (s *State) sets() []stateSet {
	out := []stateSet{{"forward", s.Forward, s.OptForward, OptimizerForward}}
	if s.Feedback != nil {
		out = append(out, stateSet{"feedback", s.Feedback, s.OptFeedback, OptimizerFeedback})
	}
	return out
}

type stateSet struct {
	name   string
	p      *net.Params
	opt    *net.SGD
	prefix string
}

// File builds the checkpoint of s: every weight under its Layout key, every
// batch norm of the Layout (running_mean, running_var, num_batches_tracked,
// and weight = 1, bias = 0 when affine), each optimiser's momentum buffer
// (when it has one) under OptimizerForward/OptimizerFeedback + key, and the
// metadata of s.Meta. The F32 values alias the network's slices: encode
// the file before the network changes.
func (s *State) File() (*File, error) {
	f, err := s.file()
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return f, nil
}

func (s *State) file() (*File, error) {
	lay := s.Layout
	f := &File{}
	for _, set := range s.sets() {
		var mom []float32
		if set.opt != nil {
			mom = set.opt.MomentumBuffer()
			if mom != nil && len(mom) < len(set.p.Data) {
				return nil, fmt.Errorf("%s momentum buffer holds %d values, the set %d", set.name, len(mom), len(set.p.Data))
			}
		}
		off := 0
		for _, t := range set.p.Tensors {
			key, ok := lay.Keys[t.Name]
			if !ok {
				return nil, fmt.Errorf("%s layout has no key for %s tensor %s", lay.Arch, set.name, t.Name)
			}
			f.Tensors = append(f.Tensors, Tensor{Name: key, Shape: t.Shape, F32: t.Data})
			n := len(t.Data)
			if mom != nil {
				f.Tensors = append(f.Tensors, Tensor{Name: set.prefix + key, Shape: t.Shape, F32: mom[off : off+n]})
			}
			off += n
		}
	}
	for _, nm := range lay.Norms {
		mean, vr := make([]float32, nm.Features), make([]float32, nm.Features)
		tracked := int64(0)
		if nm.BN != nil {
			copy(mean, nm.BN.RunningMean)
			copy(vr, nm.BN.RunningVar)
			tracked = s.BatchesTracked
		} else {
			fill(vr, 1)
		}
		shape := []int{nm.Features}
		f.Tensors = append(f.Tensors,
			Tensor{Name: nm.Prefix + ".running_mean", Shape: shape, F32: mean},
			Tensor{Name: nm.Prefix + ".running_var", Shape: shape, F32: vr},
			Tensor{Name: nm.Prefix + ".num_batches_tracked", Shape: []int{}, I64: []int64{tracked}})
		if nm.Affine {
			w := make([]float32, nm.Features)
			fill(w, 1)
			f.Tensors = append(f.Tensors,
				Tensor{Name: nm.Prefix + ".weight", Shape: shape, F32: w},
				Tensor{Name: nm.Prefix + ".bias", Shape: shape, F32: make([]float32, nm.Features)})
		}
	}
	meta := s.Meta
	if meta.Arch == "" {
		meta.Arch = lay.Arch
	}
	md, err := meta.metadata()
	if err != nil {
		return nil, err
	}
	f.Metadata = md
	if err := check(f); err != nil {
		return nil, err
	}
	return f, nil
}

func fill(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}

// Save writes the checkpoint of s to path atomically (State.File, Write).
func Save(path string, s *State) error {
	f, err := s.file()
	if err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	return Write(path, f)
}

// LoadOptions relaxes State.Load.
type LoadOptions struct {
	// AllowExtra accepts tensors the State does not expect (they are
	// ignored); otherwise any is an error.
	AllowExtra bool
}

// Load reads the checkpoint at path (Read) into s (State.Load); every error
// names the file.
func Load(path string, s *State, opt LoadOptions) error {
	f, err := Read(path)
	if err != nil {
		return err
	}
	if err := s.load(f, opt); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	return nil
}

// Load copies a checkpoint into s, all or nothing: every weight of the sets
// must be present as F32 with its exact shape; every batch norm of the
// Layout must be present with running_mean and running_var over its
// features (copied when our network has that batch norm), an I64 scalar
// num_batches_tracked (the last one of a used batch norm goes to
// s.BatchesTracked) and, when affine, weight = 1 and bias = 0 exactly. A
// set's momentum buffer is restored when the file has one for each of its
// tensors (a file with none leaves the optimiser fresh; a partial one is
// an error), which requires the optimiser's Momentum ≠ 0; with a nil
// optimiser the file's momentum tensors are ignored. Other tensors are an
// error unless opt.AllowExtra. The metadata goes to s.Meta (ParseMeta);
// its arch must match the Layout's. Nothing is modified on error.
func (s *State) Load(f *File, opt LoadOptions) error {
	if err := s.load(f, opt); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

func (s *State) load(f *File, opt LoadOptions) error {
	lay := s.Layout
	meta, err := ParseMeta(f.Metadata)
	if err != nil {
		return err
	}
	if meta.Arch != "" && meta.Arch != lay.Arch {
		return fmt.Errorf("file holds a %s network, expected %s", meta.Arch, lay.Arch)
	}
	byName := make(map[string]*Tensor, len(f.Tensors))
	for i := range f.Tensors {
		byName[f.Tensors[i].Name] = &f.Tensors[i]
	}
	used := map[string]bool{}
	get := func(key, dtype string, shape []int, what string) (*Tensor, error) {
		t := byName[key]
		if t == nil {
			return nil, fmt.Errorf("tensor %q (%s) is missing", key, what)
		}
		if t.DType() != dtype || !slices.Equal(t.Shape, shape) {
			return nil, fmt.Errorf("tensor %q (%s): %s %v, expected %s %v", key, what, t.DType(), t.Shape, dtype, shape)
		}
		used[key] = true
		return t, nil
	}
	var apply []func()
	for _, set := range s.sets() {
		var mom []float32
		found := 0
		for _, t := range set.p.Tensors {
			key, ok := lay.Keys[t.Name]
			if !ok {
				return fmt.Errorf("%s layout has no key for %s tensor %s", lay.Arch, set.name, t.Name)
			}
			ft, err := get(key, F32, t.Shape, set.name+" "+t.Name)
			if err != nil {
				return err
			}
			dst, src := t.Data, ft.F32
			apply = append(apply, func() { copy(dst, src) })
			if byName[set.prefix+key] != nil {
				found++
			}
		}
		switch {
		case set.opt == nil:
			for k := range byName {
				if strings.HasPrefix(k, set.prefix) {
					used[k] = true
				}
			}
		case found == 0:
		case found < len(set.p.Tensors):
			return fmt.Errorf("%s momentum buffer covers %d of %d tensors", set.name, found, len(set.p.Tensors))
		default:
			if set.opt.Momentum == 0 {
				return fmt.Errorf("file has a %s momentum buffer but the optimiser has momentum 0", set.name)
			}
			if cur := set.opt.MomentumBuffer(); cur != nil && len(cur) != len(set.p.Data) {
				return fmt.Errorf("%s optimiser's momentum buffer holds %d values, the set %d", set.name, len(cur), len(set.p.Data))
			}
			mom = make([]float32, 0, len(set.p.Data))
			for _, t := range set.p.Tensors {
				key := set.prefix + lay.Keys[t.Name]
				ft, err := get(key, F32, t.Shape, set.name+" momentum of "+t.Name)
				if err != nil {
					return err
				}
				mom = append(mom, ft.F32...)
			}
			o := set.opt
			apply = append(apply, func() { restoreMomentum(o, mom) })
		}
	}
	tracked, haveTracked := int64(0), false
	for _, nm := range lay.Norms {
		shape := []int{nm.Features}
		what := "batch norm"
		if nm.BN == nil {
			what = "unused batch norm"
		}
		mean, err := get(nm.Prefix+".running_mean", F32, shape, what)
		if err != nil {
			return err
		}
		vr, err := get(nm.Prefix+".running_var", F32, shape, what)
		if err != nil {
			return err
		}
		cnt, err := get(nm.Prefix+".num_batches_tracked", I64, []int{}, what)
		if err != nil {
			return err
		}
		if nm.BN != nil {
			bn := nm.BN
			apply = append(apply, func() { copy(bn.RunningMean, mean.F32); copy(bn.RunningVar, vr.F32) })
			tracked, haveTracked = cnt.I64[0], true
		}
		if !nm.Affine {
			continue
		}
		for _, c := range []struct {
			suffix string
			want   float32
		}{{".weight", 1}, {".bias", 0}} {
			t, err := get(nm.Prefix+c.suffix, F32, shape, what+" affine")
			if err != nil {
				return err
			}
			for i, v := range t.F32 {
				if v != c.want {
					return fmt.Errorf("tensor %q: value %g at [%d], expected %g (our batch norms have no affine step)", t.Name, v, i, c.want)
				}
			}
		}
	}
	if !opt.AllowExtra {
		var extra []string
		for _, t := range f.Tensors {
			if !used[t.Name] {
				extra = append(extra, strconv.Quote(t.Name))
			}
		}
		if len(extra) > 0 {
			more := ""
			if len(extra) > 5 {
				more = fmt.Sprintf(" and %d more", len(extra)-5)
				extra = extra[:5]
			}
			return fmt.Errorf("unexpected tensors %s%s", strings.Join(extra, ", "), more)
		}
	}
	for _, fn := range apply {
		fn()
	}
	if haveTracked {
		s.BatchesTracked = tracked
	}
	s.Meta = meta
	return nil
}

// restoreMomentum makes o's momentum buffer equal to buf, as if o had
// taken the steps that produced it.
func restoreMomentum(o *net.SGD, buf []float32) { o.SetMomentumBuffer(buf) }
