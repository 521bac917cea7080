// Package errorsdoc reads the table of docs/errors.md: one row per bad
// input, with its id, a description, and the exact message it gets. The
// tests that drive the rows (cmd/ccl's TestErrorTable, datasets'
// TestArchiveErrorTable) read it through Rows.
package errorsdoc

import (
	"os"
	"strings"
)

// Row is one row of the table.
type Row struct {
	ID      string // first column, without its backquotes
	Message string // third column, without its backquotes, `\|` unescaped
}

// Rows returns the rows of the table in the Markdown file at path whose id
// (first column, in backquotes) starts with prefix ("" for all).
func Rows(path, prefix string) ([]Row, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`"+prefix) {
			continue
		}
		rows = append(rows, Row{
			ID:      strings.Trim(strings.TrimSpace(cells[1]), "`"),
			Message: strings.ReplaceAll(strings.Trim(strings.TrimSpace(cells[3]), "`"), `\|`, "|"),
		})
	}
	return rows, nil
}
