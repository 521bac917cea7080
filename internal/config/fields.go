package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is the value type of a key.
type kind int

const (
	kindString kind = iota
	kindInt
	kindFloat
)

// field describes one key: where it lives, its type, its help text, and how
// to reach it in a Config. Exactly one of str, int, flt is set, as kind says.
type field struct {
	section string
	key     string
	kind    kind
	help    string // meaning, for Describe
	def     string // default, for Describe, when not derivable from Default()
	str     func(*Config) *string
	int     func(*Config) *int
	flt     func(*Config) *float64
}

// Section names, in file order.
const (
	secMethod   = "method"
	secDataset  = "dataset"
	secTraining = "training"
)

var sections = []string{secMethod, secDataset, secTraining}

func s(sec, key, help string, p func(*Config) *string) field {
	return field{section: sec, key: key, kind: kindString, help: help, str: p}
}

func i(sec, key, help string, p func(*Config) *int) field {
	return field{section: sec, key: key, kind: kindInt, help: help, int: p}
}

func f(sec, key, help string, p func(*Config) *float64) field {
	return field{section: sec, key: key, kind: kindFloat, help: help, flt: p}
}

// fields lists every key in the order of spec §8 (and of the reference files).
var fields = []field{
	s(secMethod, "method", "learning rule: CCL or BP", func(c *Config) *string { return &c.Method.Name }),
	s(secMethod, "architecture", "network: simple_linear, cnn, cnn_pool, cnn_stride_autoencoder or cnn_pool_autoencoder", func(c *Config) *string { return &c.Method.Architecture }),
	s(secMethod, "task", "task: classification or autoencoder", func(c *Config) *string { return &c.Method.Task }),
	s(secMethod, "task_transform", "targets: none (class labels) or same (the input, for the autoencoder)", func(c *Config) *string { return &c.Method.TaskTransform }),
	s(secMethod, "act_F", "forward activation: elu, relu, tanh, leaky_relu or selu", func(c *Config) *string { return &c.Method.ActF }),
	s(secMethod, "act_B", "feedback activation: elu, relu, tanh, leaky_relu or selu", func(c *Config) *string { return &c.Method.ActB }),
	i(secMethod, "fw_bn", "forward batch norm: 0 none, 1 before the matmul/conv, 2 after it", func(c *Config) *int { return &c.Method.FwBN }),
	i(secMethod, "bw_bn", "feedback batch norm: 0 none, 1 before the matmul/conv, 2 after it", func(c *Config) *int { return &c.Method.BwBN }),
	s(secMethod, "bias_init", "bias initialisation: zero, or none (PyTorch's default)", func(c *Config) *string { return &c.Method.BiasInit }),
	i(secMethod, "bn_affine", "batch norm with γ and β (never updated): 1, or 0 without", func(c *Config) *int { return &c.Method.BNAffine }),

	withDef(s(secDataset, "dataset", "data set: MNIST, FashionMNIST, CIFAR10, CIFAR100, MNIST_CNN, FashionMNIST_CNN, STL10 or STL10_cls", func(c *Config) *string { return &c.Dataset.Name }), "required"),
	i(secDataset, "batchsize", "training batch size", func(c *Config) *int { return &c.Dataset.BatchSize }),
	withDef(i(secDataset, "num_chn", "input image channels", func(c *Config) *int { return &c.Dataset.NumChannels }), "from the data set: 1 for MNIST variants, 3 otherwise"),
	withDef(i(secDataset, "num_classes", "number of classes", func(c *Config) *int { return &c.Dataset.NumClasses }), "from the data set: 100 for CIFAR100, 10 otherwise"),

	s(secTraining, "mode", "run mode", func(c *Config) *string { return &c.Training.Mode }),
	i(secTraining, "epochs", "training epochs", func(c *Config) *int { return &c.Training.Epochs }),
	f(secTraining, "lr_F", "learning rate of the forward network", func(c *Config) *float64 { return &c.Training.LrF }),
	f(secTraining, "lr_B", "learning rate of the feedback network", func(c *Config) *float64 { return &c.Training.LrB }),
	f(secTraining, "mmt_F", "SGD momentum of the forward network, in [0, 1)", func(c *Config) *float64 { return &c.Training.MmtF }),
	f(secTraining, "mmt_B", "SGD momentum of the feedback network, in [0, 1)", func(c *Config) *float64 { return &c.Training.MmtB }),
	f(secTraining, "wd_F", "weight decay of the forward network", func(c *Config) *float64 { return &c.Training.WdF }),
	f(secTraining, "wd_B", "weight decay of the feedback network", func(c *Config) *float64 { return &c.Training.WdB }),
	i(secTraining, "warmup", "loss warm-up steps (0 off)", func(c *Config) *int { return &c.Training.Warmup }),
	i(secTraining, "tmax", "cosine annealing period in epochs (0 off)", func(c *Config) *int { return &c.Training.TMax }),
	f(secTraining, "eta_min", "learning rate the cosine annealing decays to", func(c *Config) *float64 { return &c.Training.EtaMin }),
	s(secTraining, "optimizer", "optimiser: SGD", func(c *Config) *string { return &c.Training.Optimizer }),
	i(secTraining, "GradC", "gradient centralisation: 1 on, 0 off", func(c *Config) *int { return &c.Training.GradC }),
	f(secTraining, "loss_scale_C", "scale s_C of the layer-pair alignment loss", func(c *Config) *float64 { return &c.Training.LossScaleC }),
	f(secTraining, "loss_scale_D", "scale s_D of the autoencoder's normalised loss", func(c *Config) *float64 { return &c.Training.LossScaleD }),
	f(secTraining, "loss_scale_ssl", "scale s_ssl of the CNN loss's self-similarity terms", func(c *Config) *float64 { return &c.Training.LossScaleSSL }),
	f(secTraining, "grad_clip_F", "gradient norm limit of the forward network (0 off)", func(c *Config) *float64 { return &c.Training.GradClipF }),
	f(secTraining, "grad_clip_B", "gradient norm limit of the feedback network (0 off)", func(c *Config) *float64 { return &c.Training.GradClipB }),
	f(secTraining, "filter_target", "non-zero: drop confidently classified samples (p > 0.9) from the layer losses", func(c *Config) *float64 { return &c.Training.FilterTarget }),
	i(secTraining, "seed", "random seed", func(c *Config) *int { return &c.Training.Seed }),
}

func withDef(fl field, def string) field {
	fl.def = def
	return fl
}

// lookup returns the field of key in section, if any.
func lookup(section, key string) (*field, bool) {
	for n := range fields {
		if fields[n].section == section && fields[n].key == key {
			return &fields[n], true
		}
	}
	return nil, false
}

// lookupKey returns the field of a bare key ("lr_F") or a qualified one
// ("training.lr_F"). Bare keys are unique across sections except "method"
// and "dataset", which name the key of that section.
func lookupKey(key string) (*field, bool) {
	if sec, k, ok := strings.Cut(key, "."); ok {
		return lookup(sec, k)
	}
	for n := range fields {
		if fields[n].key == key {
			return &fields[n], true
		}
	}
	return nil, false
}

// sectionKeys returns the keys of a section, in file order.
func sectionKeys(section string) []string {
	var ks []string
	for _, fl := range fields {
		if fl.section == section {
			ks = append(ks, fl.key)
		}
	}
	return ks
}

// suggest returns a hint naming the key of candidates that matches key
// ignoring case, or "" when none does.
func suggest(key string, candidates []string) string {
	for _, c := range candidates {
		if strings.EqualFold(c, key) {
			return fmt.Sprintf("did you mean %q? ", c)
		}
	}
	return ""
}

// Keys returns every settable key, by its YAML name (lr_F, batchsize, …), in
// file order: the method map's, then the dataset map's, then the training
// map's. Each is a valid argument to [Config.Set] and [Describe]; the keys are
// unique, so a command can register one flag per key.
func Keys() []string {
	ks := make([]string, len(fields))
	for n, fl := range fields {
		ks[n] = fl.key
	}
	return ks
}

// Describe returns a one-line help text for key (a name from [Keys]): its
// meaning, its type and its default, e.g. "learning rate of the forward
// network (training.lr_F, number, default 1.0)". It returns "" for an
// unknown key.
func Describe(key string) string {
	fl, ok := lookupKey(key)
	if !ok {
		return ""
	}
	def := "default " + fl.def
	if fl.def == "required" {
		def = "required"
	} else if fl.def == "" {
		def = fl.format(Default())
		if fl.kind == kindString {
			def = strconv.Quote(def)
		}
		def = "default " + def
	}
	return fmt.Sprintf("%s (%s.%s, %s, %s)", fl.help, fl.section, fl.key, fl.kind.noun(), def)
}

func (k kind) noun() string {
	switch k {
	case kindInt:
		return "integer"
	case kindFloat:
		return "number"
	}
	return "string"
}

// format returns the value of fl in c as text (numbers as strconv writes
// them, strings unquoted).
func (fl *field) format(c *Config) string {
	switch fl.kind {
	case kindInt:
		return strconv.Itoa(*fl.int(c))
	case kindFloat:
		return formatFloat(*fl.flt(c))
	}
	return strings.ToValidUTF8(*fl.str(c), "\uFFFD") // YAML holds only UTF-8 (Set and Parse accept nothing else)
}

// formatFloat writes v so that it reads back exactly and always as a float
// (with a decimal point, also for YAML 1.1 readers such as PyYAML):
// 1 → "1.0", 1e-06 → "1.0e-06", 0.001 → "0.001".
func formatFloat(v float64) string {
	t := strconv.FormatFloat(v, 'g', -1, 64)
	if strings.ContainsAny(t, ".nN") { // has a point, or is NaN/Inf
		return t
	}
	if mant, exp, ok := strings.Cut(t, "e"); ok {
		return mant + ".0e" + exp
	}
	return t + ".0"
}

// flagName returns key for a message: as it is if it is printable UTF-8,
// else quoted, so that the message stays one readable line (found by
// FuzzParse: a key holding a newline split the message).
func flagName(key string) string {
	if utf8.ValidString(key) && !strings.ContainsFunc(key, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return key
	}
	return strconv.Quote(key)
}

// parseValue converts text to fl's type and stores it in c. On failure it
// returns the reason, e.g. `expected a number, got "fast"`.
func (fl *field) parseValue(c *Config, text string) error {
	switch fl.kind {
	case kindInt:
		v, err := parseInt(text)
		if err != nil {
			return err
		}
		*fl.int(c) = v
	case kindFloat:
		v, err := parseFloat(text)
		if err != nil {
			return err
		}
		*fl.flt(c) = v
	default:
		if !utf8.ValidString(text) {
			return fmt.Errorf("expected UTF-8 text, got %q", text)
		}
		*fl.str(c) = text
	}
	return nil
}

// parseInt accepts a decimal integer with an optional sign ("100", "-1").
func parseInt(text string) (int, error) {
	v, err := strconv.ParseInt(text, 10, strconv.IntSize)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("integer out of range: %q", text)
		}
		return 0, fmt.Errorf("expected an integer, got %q", text)
	}
	return int(v), nil
}

// parseFloat accepts an integer or a float literal ("1", "0.", "1e-6",
// "0.00001") of a finite value.
func parseFloat(text string) (float64, error) {
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || strings.ContainsAny(text, "_xXpP") {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("number out of range: %q", text)
		}
		return 0, fmt.Errorf("expected a number, got %q", text)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("expected a finite number, got %q", text)
	}
	return v, nil
}

// Set overrides one key from its text, as a command-line flag does: key is a
// YAML key name from [Keys] ("lr_F", "batchsize", …; "training.lr_F" is also
// accepted), value is parsed with the same rules as the file (an integer
// literal is a valid number; a float is not a valid integer). Errors name the
// flag: `config: --lr_F: expected a number, got "x"`.
//
// Changing "dataset" also moves num_classes and num_chn to the new data set's
// values when they still hold the old data set's (that is, when they were
// defaulted or equal the default), so set the data set before those two.
// Set does not validate; call [Config.Validate] after the last override.
func (c *Config) Set(key, value string) error {
	fl, ok := lookupKey(key)
	if !ok {
		return fmt.Errorf("config: --%s: unknown key (%sknown: %s)", flagName(key), suggest(key, Keys()), strings.Join(Keys(), ", "))
	}
	old := c.Dataset.Name
	if err := fl.parseValue(c, value); err != nil {
		return fmt.Errorf("config: --%s: %w", key, err)
	}
	if fl.section == secDataset && fl.key == "dataset" && c.Dataset.Name != old {
		if c.Dataset.NumClasses == DatasetClasses(old) {
			c.Dataset.NumClasses = DatasetClasses(c.Dataset.Name)
		}
		if c.Dataset.NumChannels == DatasetChannels(old) {
			c.Dataset.NumChannels = DatasetChannels(c.Dataset.Name)
		}
	}
	return nil
}
