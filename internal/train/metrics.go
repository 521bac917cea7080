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
// pair_loss_0 … pair_loss_{P−1}, forward/feedback angles as angle_deg_0 …
// angle_deg_{L−1}; empty where a figure does not apply).
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
	pairs, angles := 0, 0
	for _, m := range history {
		pairs, angles = max(pairs, len(m.PairLosses)), max(angles, len(m.Angles))
	}
	header := []string{"epoch", "train_loss", "train_ce", "train_acc", "val_loss", "val_acc", "val_mse", "test_mse",
		"lr_F", "lr_B", "epoch_seconds", "samples_per_second", "best"}
	for i := 0; i < pairs; i++ {
		header = append(header, fmt.Sprintf("pair_loss_%d", i))
	}
	for i := 0; i < angles; i++ {
		header = append(header, fmt.Sprintf("angle_deg_%d", i))
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
		row = appendColumns(row, m.PairLosses, pairs)
		row = appendColumns(row, m.Angles, angles)
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, "metrics.csv"), cb.Bytes())
}

// appendColumns appends n columns to row: the values of v, then empty ones.
func appendColumns(row []string, v []float64, n int) []string {
	for i := 0; i < n; i++ {
		s := ""
		if i < len(v) {
			s = strconv.FormatFloat(v[i], 'g', -1, 64)
		}
		row = append(row, s)
	}
	return row
}
