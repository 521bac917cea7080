package train

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/counter-current/ccl/internal/atomicfile"
)

// writeMetrics (re)writes the run's per-epoch metrics, atomically, as
// metrics.jsonl (one EpochMetrics JSON object per line) and metrics.csv
// (one row per epoch; columns as the JSON keys, pair losses as
// pair_loss_0 … pair_loss_{P−1}; empty where a figure does not apply).
func writeMetrics(dir string, history []EpochMetrics) error {
	var jl bytes.Buffer
	for _, m := range history {
		line, err := json.Marshal(m)
		if err != nil {
			return err
		}
		jl.Write(line)
		jl.WriteByte('\n')
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "metrics.jsonl"), jl.Bytes()); err != nil {
		return err
	}
	pairs := 0
	for _, m := range history {
		pairs = max(pairs, len(m.PairLosses))
	}
	header := []string{"epoch", "train_loss", "train_ce", "train_acc", "val_loss", "val_acc", "val_mse", "test_mse",
		"lr_F", "lr_B", "epoch_seconds", "samples_per_second", "best"}
	for i := 0; i < pairs; i++ {
		header = append(header, fmt.Sprintf("pair_loss_%d", i))
	}
	var cb bytes.Buffer
	w := csv.NewWriter(&cb)
	w.Write(header)
	num := func(v float64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for _, m := range history {
		row := []string{strconv.Itoa(m.Epoch), num(m.TrainLoss), num(m.TrainCE), num(m.TrainAcc), num(m.ValLoss),
			num(m.ValAcc), num(m.ValMSE), num(m.TestMSE), strconv.FormatFloat(m.LrF, 'g', -1, 64), strconv.FormatFloat(m.LrB, 'g', -1, 64), num(m.Seconds), num(m.SamplesPerSec),
			strconv.FormatBool(m.Best)}
		for i := 0; i < pairs; i++ {
			v := ""
			if i < len(m.PairLosses) {
				v = strconv.FormatFloat(m.PairLosses[i], 'g', -1, 64)
			}
			row = append(row, v)
		}
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, "metrics.csv"), cb.Bytes())
}
