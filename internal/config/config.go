// Package config reads, checks and writes the run configurations of the
// counter-current learning (CCL) trainer.
//
// A configuration file is the reference implementation's YAML layout (spec §8):
// three maps, method, dataset and training, whose keys are spelled exactly as in
// the authors' files (lr_F, GradC, loss_scale_ssl, …). The files the reference
// ships are in the repository's configs/ folder, unchanged.
//
// Typical use:
//
//	cfg, err := config.Load("configs/mlp/mnist_ccl.yaml") // strict parse, defaults filled in
//	...
//	err = cfg.Set("lr_F", "0.5")                         // one call per command-line flag
//	...
//	err = cfg.Validate()                                 // semantic checks, after the overrides
//	...
//	os.WriteFile(filepath.Join(runDir, "config.yaml"), cfg.YAML(), 0o644)
//
// Parsing is strict: unknown sections and keys, duplicate keys, and values of
// the wrong type are errors that name the file, the line, the section and the
// key. Every error starts with "config: ".
package config

// Config is one resolved run configuration: the three maps of a reference
// YAML file, with every key present (missing keys take the defaults documented
// on each field; see [Default]).
type Config struct {
	// Method is the "method" map: learning rule and network.
	Method Method
	// Dataset is the "dataset" map: data set, batch size and shapes.
	Dataset Dataset
	// Training is the "training" map: optimisation and loss settings.
	Training Training
}

// Method holds the keys of the "method" map.
type Method struct {
	// Name is YAML key "method": the learning rule, "CCL" (counter-current
	// learning) or "BP" (the back-propagation baseline). Default "CCL".
	Name string
	// Architecture is YAML key "architecture": the network, one of
	// "simple_linear" (MLP), "cnn" (stride-2 conv pairs), "cnn_pool" (stride-1
	// conv + 2×2 max-pool pairs), "cnn_stride_autoencoder" (the STL-10
	// autoencoder of spec §9) or "cnn_pool_autoencoder" (the name the
	// reference's BP autoencoder config, cnn_ae/stl10_bp_legacy.yaml, uses).
	// Default "simple_linear".
	Architecture string
	// Task is YAML key "task": "classification" or "autoencoder".
	// Default "classification".
	Task string
	// TaskTransform is YAML key "task_transform": what the targets are made
	// from, "none" (class labels) or "same" (the autoencoder's target is its
	// input). Default "none".
	TaskTransform string
	// ActF is YAML key "act_F": the forward activation f, one of "elu",
	// "relu", "tanh", "leaky_relu", "selu". Default "elu".
	ActF string
	// ActB is YAML key "act_B": the feedback activation g, same choices as
	// act_F. Default "elu".
	ActB string
	// FwBN is YAML key "fw_bn": batch norm on the forward path, 0 none, 1 on
	// the layer input before the matmul/conv, 2 after the matmul/conv and
	// before the activation. Default 0.
	FwBN int
	// BwBN is YAML key "bw_bn": batch norm on the feedback path, with the
	// same codes as fw_bn. Default 0.
	BwBN int
	// BiasInit is YAML key "bias_init": "zero" zeroes the layer biases after
	// initialisation, "none" keeps PyTorch's default uniform ±1/sqrt(fan_in).
	// Default "zero".
	BiasInit string
	// BNAffine is YAML key "bn_affine": 1 gives batch-norm layers a γ and β
	// (which, as in the reference, no optimiser updates: they stay 1 and 0),
	// 0 gives them none. Default 1.
	BNAffine int
}

// Dataset holds the keys of the "dataset" map.
type Dataset struct {
	// Name is YAML key "dataset": one of "MNIST", "FashionMNIST", "CIFAR10",
	// "CIFAR100" (MLP recipes), "MNIST_CNN", "FashionMNIST_CNN" (32×32 CNN
	// recipes), "STL10_cls" (classification at 32×32) or "STL10" (the
	// autoencoder, 96×96). Required: there is no default.
	Name string
	// BatchSize is YAML key "batchsize": the training mini-batch size N.
	// Default 256.
	BatchSize int
	// NumChannels is YAML key "num_chn": channels of the input images.
	// Default from the data set: 1 for the MNIST variants, 3 for CIFAR and
	// STL-10.
	NumChannels int
	// NumClasses is YAML key "num_classes": the number of classes K (the
	// width of the logits and of the feedback network's identity input).
	// Default from the data set: 100 for CIFAR100, 10 for the others.
	NumClasses int
}

// Training holds the keys of the "training" map. Keys ending in F concern the
// forward network's parameters, keys ending in B the feedback network's.
type Training struct {
	// Mode is YAML key "mode": the run mode; every reference file says
	// "train". Default "train".
	Mode string
	// Epochs is YAML key "epochs": passes over the training split.
	// Default 100.
	Epochs int
	// LrF is YAML key "lr_F": initial learning rate of the forward
	// parameters. Default 1.
	LrF float64
	// LrB is YAML key "lr_B": initial learning rate of the feedback
	// parameters. Default 1.
	LrB float64
	// MmtF is YAML key "mmt_F": SGD momentum of the forward parameters, in
	// [0, 1). Default 0.
	MmtF float64
	// MmtB is YAML key "mmt_B": SGD momentum of the feedback parameters, in
	// [0, 1). Default 0.
	MmtB float64
	// WdF is YAML key "wd_F": weight decay (added to the gradient, as
	// PyTorch's SGD does) of the forward parameters. Default 0.
	WdF float64
	// WdB is YAML key "wd_B": weight decay of the feedback parameters.
	// Default 0.
	WdB float64
	// Warmup is YAML key "warmup": number of global steps during which the
	// loss is scaled by (batch index in epoch + 1)/warmup; 0 disables it.
	// Default 0.
	Warmup int
	// TMax is YAML key "tmax": period in epochs of the per-epoch cosine
	// learning-rate annealing; 0 keeps the rate constant. Default 0.
	TMax int
	// EtaMin is YAML key "eta_min": the learning rate the cosine annealing
	// decays to. Default 0.
	EtaMin float64
	// Optimizer is YAML key "optimizer": the optimiser; only "SGD" exists.
	// Default "SGD".
	Optimizer string
	// GradC is YAML key "GradC": 1 applies gradient centralisation to every
	// weight of rank 2 or 4 before clipping, 0 does not. Default 0.
	GradC int
	// LossScaleC is YAML key "loss_scale_C": the factor s_C of the layer-pair
	// alignment loss. Default 1.
	LossScaleC float64
	// LossScaleD is YAML key "loss_scale_D": the factor s_D of the
	// autoencoder's normalised (per-channel) loss term. Default 1.
	LossScaleD float64
	// LossScaleSSL is YAML key "loss_scale_ssl": the factor s_ssl of the CNN
	// loss's two self-similarity terms. Default 0.5.
	LossScaleSSL float64
	// GradClipF is YAML key "grad_clip_F": limit of the total gradient norm
	// of the forward parameters; 0 disables clipping. Default 0.
	GradClipF float64
	// GradClipB is YAML key "grad_clip_B": limit of the total gradient norm
	// of the feedback parameters; 0 disables clipping. Default 0.
	GradClipB float64
	// FilterTarget is YAML key "filter_target": any non-zero value zeroes,
	// before the layer losses, the rows of samples whose true-class
	// probability exceeds 0.9 (the threshold is fixed). Default 0 (off).
	FilterTarget float64
	// Seed is YAML key "seed": the random seed. Default 2023.
	Seed int
}

// Default returns the configuration a file with no keys would give: every
// key at its documented default. The data set is empty, so the result does
// not pass [Config.Validate] until Dataset.Name is set; NumChannels and
// NumClasses are those of MNIST until then.
func Default() *Config {
	return &Config{
		Method: Method{
			Name:          "CCL",
			Architecture:  "simple_linear",
			Task:          "classification",
			TaskTransform: "none",
			ActF:          "elu",
			ActB:          "elu",
			FwBN:          0,
			BwBN:          0,
			BiasInit:      "zero",
			BNAffine:      1,
		},
		Dataset: Dataset{
			Name:        "",
			BatchSize:   256,
			NumChannels: DatasetChannels(""),
			NumClasses:  DatasetClasses(""),
		},
		Training: Training{
			Mode:         "train",
			Epochs:       100,
			LrF:          1,
			LrB:          1,
			MmtF:         0,
			MmtB:         0,
			WdF:          0,
			WdB:          0,
			Warmup:       0,
			TMax:         0,
			EtaMin:       0,
			Optimizer:    "SGD",
			GradC:        0,
			LossScaleC:   1,
			LossScaleD:   1,
			LossScaleSSL: 0.5,
			GradClipF:    0,
			GradClipB:    0,
			FilterTarget: 0,
			Seed:         2023,
		},
	}
}

// DatasetClasses returns the number of classes of the named data set: 100 for
// CIFAR100, 10 for every other name (MNIST, FashionMNIST, CIFAR10, their _CNN
// variants, STL10 and STL10_cls), including unknown ones.
func DatasetClasses(dataset string) int {
	if dataset == "CIFAR100" {
		return 100
	}
	return 10
}

// DatasetChannels returns the number of image channels of the named data set:
// 1 for MNIST, FashionMNIST and their _CNN variants, 3 for CIFAR10, CIFAR100,
// STL10 and STL10_cls. An unknown or empty name gives 1.
func DatasetChannels(dataset string) int {
	switch dataset {
	case "CIFAR10", "CIFAR100", "STL10", "STL10_cls":
		return 3
	}
	return 1
}
