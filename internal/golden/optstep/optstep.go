// Package optstep checks an optimiser step against a golden file, stage by
// stage. It is separate from package golden so that golden imports nothing
// of this module (the kernel packages' tests use it too).
package optstep

import (
	"github.com/counter-current/ccl/internal/golden"
	"github.com/counter-current/ccl/net"
)

// Check applies one parameter set's optimiser to params stage by stage and
// checks each stage against step p (e.g. "step1.") of the file, so that a
// mismatch names its stage: the raw gradients (p+"grad."+name), gradient
// centralization and clipping (p+"norm."+tag, p+"grad_clipped."+name),
// then the SGD update (p+name).
func Check(t golden.TB, g *golden.File, p, tag string, params *net.Params, opt *net.Optimizer) {
	t.Helper()
	for _, tn := range params.Tensors {
		g.Check(t, p+"grad."+tn.Name, tn.Grad)
	}
	if opt.Centralize {
		net.CentralizeGradients(params)
	}
	g.CheckScalar(t, p+"norm."+tag, net.ClipGradNorm(params, opt.ClipNorm))
	for _, tn := range params.Tensors {
		g.Check(t, p+"grad_clipped."+tn.Name, tn.Grad)
	}
	opt.SGD.Step(params)
	for _, tn := range params.Tensors {
		g.Check(t, p+tn.Name, tn.Data)
	}
}
