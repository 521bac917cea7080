package config

import (
	"errors"
	"fmt"
	"strings"
)

// Accepted values of the string keys.
var (
	methods        = []string{"CCL", "BP"}
	architectures  = []string{"simple_linear", "cnn", "cnn_pool", "cnn_stride_autoencoder", "cnn_pool_autoencoder"}
	tasks          = []string{"classification", "autoencoder"}
	taskTransforms = []string{"none", "same"}
	activations    = []string{"elu", "relu", "tanh", "leaky_relu", "selu"}
	biasInits      = []string{"zero", "none"}
	datasets       = []string{"MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "MNIST_CNN", "FashionMNIST_CNN", "STL10", "STL10_cls"}
	optimizers     = []string{"SGD"}
)

// Validate checks the values for meaning: every string key holds one of its
// accepted values, codes are in range, sizes are positive, rates, decays,
// scales and clips are non-negative, momenta are in [0, 1), and the keys
// agree with each other (task and architecture; num_chn and, for
// classification, num_classes with the data set). It reports every problem,
// one per line, each naming its key:
//
//	config: training.lr_F: must be ≥ 0, got -1
//	config: method.act_F: must be one of elu, relu, tanh, leaky_relu, selu, got "gelu"
//
// The result is nil or the [errors.Join] of the problems.
func (c *Config) Validate() error {
	var v validator
	m, d, t := &c.Method, &c.Dataset, &c.Training

	v.oneOf("method.method", m.Name, methods)
	v.oneOf("method.architecture", m.Architecture, architectures)
	v.oneOf("method.task", m.Task, tasks)
	v.oneOf("method.task_transform", m.TaskTransform, taskTransforms)
	v.oneOf("method.act_F", m.ActF, activations)
	v.oneOf("method.act_B", m.ActB, activations)
	v.intIn("method.fw_bn", m.FwBN, 0, 1, 2)
	v.intIn("method.bw_bn", m.BwBN, 0, 1, 2)
	v.oneOf("method.bias_init", m.BiasInit, biasInits)
	v.intIn("method.bn_affine", m.BNAffine, 0, 1)

	if d.Name == "" {
		v.add("dataset.dataset: required (one of %s)", strings.Join(datasets, ", "))
	} else {
		v.oneOf("dataset.dataset", d.Name, datasets)
	}
	v.intMin("dataset.batchsize", d.BatchSize, 1)
	v.intMin("dataset.num_chn", d.NumChannels, 1)
	v.intMin("dataset.num_classes", d.NumClasses, 1)

	if t.Mode == "" {
		v.add("training.mode: must not be empty")
	}
	v.intMin("training.epochs", t.Epochs, 0)
	v.nonNeg("training.lr_F", t.LrF)
	v.nonNeg("training.lr_B", t.LrB)
	v.momentum("training.mmt_F", t.MmtF)
	v.momentum("training.mmt_B", t.MmtB)
	v.nonNeg("training.wd_F", t.WdF)
	v.nonNeg("training.wd_B", t.WdB)
	v.intMin("training.warmup", t.Warmup, 0)
	v.intMin("training.tmax", t.TMax, 0)
	v.nonNeg("training.eta_min", t.EtaMin)
	v.oneOf("training.optimizer", t.Optimizer, optimizers)
	v.intIn("training.GradC", t.GradC, 0, 1)
	v.nonNeg("training.loss_scale_C", t.LossScaleC)
	v.nonNeg("training.loss_scale_D", t.LossScaleD)
	v.nonNeg("training.loss_scale_ssl", t.LossScaleSSL)
	v.nonNeg("training.grad_clip_F", t.GradClipF)
	v.nonNeg("training.grad_clip_B", t.GradClipB)
	v.finite("training.filter_target", t.FilterTarget)
	v.intMin("training.seed", t.Seed, 0)

	// Cross-key consistency, only between values that are valid on their own.
	isAE := strings.HasSuffix(m.Architecture, "_autoencoder")
	if known(architectures, m.Architecture) && known(tasks, m.Task) {
		if isAE && m.Task != "autoencoder" {
			v.add("method.task: architecture %s needs task autoencoder, got %q", m.Architecture, m.Task)
		}
		if !isAE && m.Task == "autoencoder" {
			v.add("method.task: task autoencoder needs an autoencoder architecture (cnn_stride_autoencoder or cnn_pool_autoencoder), got architecture %q", m.Architecture)
		}
	}
	if known(datasets, d.Name) {
		if want := DatasetChannels(d.Name); d.NumChannels >= 1 && d.NumChannels != want {
			v.add("dataset.num_chn: must be %d for dataset %s, got %d", want, d.Name, d.NumChannels)
		}
		if want := DatasetClasses(d.Name); m.Task == "classification" && d.NumClasses >= 1 && d.NumClasses != want {
			v.add("dataset.num_classes: must be %d for dataset %s, got %d", want, d.Name, d.NumClasses)
		}
	}
	return errors.Join(v.errs...)
}

// validator collects problems.
type validator struct {
	errs []error
}

func (v *validator) add(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("config: "+format, args...))
}

func (v *validator) oneOf(key, got string, allowed []string) {
	if !known(allowed, got) {
		v.add("%s: must be one of %s, got %q", key, strings.Join(allowed, ", "), got)
	}
}

func (v *validator) intIn(key string, got int, allowed ...int) {
	for _, a := range allowed {
		if got == a {
			return
		}
	}
	s := make([]string, len(allowed))
	for n, a := range allowed {
		s[n] = fmt.Sprint(a)
	}
	v.add("%s: must be one of %s, got %d", key, strings.Join(s, ", "), got)
}

func (v *validator) intMin(key string, got, min int) {
	if got < min {
		v.add("%s: must be ≥ %d, got %d", key, min, got)
	}
}

func (v *validator) nonNeg(key string, got float64) {
	switch {
	case got-got != 0: // NaN or ±Inf
		v.add("%s: must be a finite number ≥ 0, got %s", key, fmtNum(got))
	case got < 0:
		v.add("%s: must be ≥ 0, got %s", key, fmtNum(got))
	}
}

func (v *validator) momentum(key string, got float64) {
	if !(got >= 0 && got < 1) {
		v.add("%s: must be in [0, 1), got %s", key, fmtNum(got))
	}
}

func (v *validator) finite(key string, got float64) {
	if got-got != 0 {
		v.add("%s: must be finite, got %s", key, fmtNum(got))
	}
}

// fmtNum writes a number for a message: shortest form, "-1" not "-1.0".
func fmtNum(x float64) string {
	return fmt.Sprint(x)
}
