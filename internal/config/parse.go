package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads and parses the configuration file at path; see [Parse]. Errors
// name the file as path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, path)
}

// Parse parses a configuration in the reference's YAML layout: a map with at
// most the sections method, dataset and training, each a map of the keys
// listed in [Keys]. name is the file name used in error messages ("<input>"
// if empty).
//
// Missing sections and keys take their defaults (see [Default] and the field
// docs); num_classes and num_chn, when missing, follow the data set. Parsing
// is strict, and every error names the file and line:
//
//	config: cfg.yaml:23: training: unknown key "lr_f" (did you mean "lr_F"? known: mode, epochs, lr_F, …)
//	config: cfg.yaml:25: training.lr_F: expected a number, got "fast"
//	config: cfg.yaml:1: unknown section "model" (known: method, dataset, training)
//	config: cfg.yaml:24: training: duplicate key "lr_F" (first at line 22)
//	config: cfg.yaml:3: invalid YAML: mapping values are not allowed in this context
//
// Numbers may be written as integers or floats ("1", "0.", "1e-6") where a
// float is expected; integer keys reject floats ("1.5") and quoted numbers.
// Parse does not call [Config.Validate].
func Parse(data []byte, name string) (*Config, error) {
	if name == "" {
		name = "<input>"
	}
	p := parser{name: name}
	// The YAML library reports a tab in the indentation without a line;
	// find it first.
	for n, line := range strings.Split(string(data), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if strings.Contains(indent, "\t") && strings.TrimSpace(line) != "" {
			return nil, fmt.Errorf("config: %s:%d: invalid YAML: tab in indentation (indent with spaces)", name, n+1)
		}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config: %s: empty file", name)
		}
		return nil, p.yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, p.errorf(&extra, "more than one YAML document")
	} else if !errors.Is(err, io.EOF) {
		return nil, p.yamlError(err)
	}

	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, fmt.Errorf("config: %s: empty file", name)
		}
		root = root.Content[0]
	}
	root = deref(root)
	if root.Kind != yaml.MappingNode {
		return nil, p.errorf(root, "expected a map with the sections %s, got %s", strings.Join(sections, ", "), describeNode(root))
	}

	cfg := Default()
	seen := map[string]bool{} // "section.key" present in the file
	firstSec := map[string]int{}
	for n := 0; n+1 < len(root.Content); n += 2 {
		kn, vn := root.Content[n], deref(root.Content[n+1])
		sec := kn.Value
		if kn.Kind != yaml.ScalarNode || !known(sections, sec) {
			return nil, p.errorf(kn, "unknown section %q (%sknown: %s)", sec, suggest(sec, sections), strings.Join(sections, ", "))
		}
		if line, dup := firstSec[sec]; dup {
			return nil, p.errorf(kn, "duplicate section %q (first at line %d)", sec, line)
		}
		firstSec[sec] = kn.Line
		if vn.Kind != yaml.MappingNode {
			return nil, p.errorf(vn, "%s: expected a map of keys, got %s", sec, describeNode(vn))
		}
		if err := p.section(cfg, sec, vn, seen); err != nil {
			return nil, err
		}
	}
	if !seen["dataset.num_classes"] {
		cfg.Dataset.NumClasses = DatasetClasses(cfg.Dataset.Name)
	}
	if !seen["dataset.num_chn"] {
		cfg.Dataset.NumChannels = DatasetChannels(cfg.Dataset.Name)
	}
	return cfg, nil
}

// parser carries the file name for error messages.
type parser struct {
	name string
}

// section reads the keys of one section map into cfg.
func (p *parser) section(cfg *Config, sec string, m *yaml.Node, seen map[string]bool) error {
	first := map[string]int{}
	for n := 0; n+1 < len(m.Content); n += 2 {
		kn, vn := m.Content[n], deref(m.Content[n+1])
		key := kn.Value
		fl, ok := lookup(sec, key)
		if kn.Kind != yaml.ScalarNode || !ok {
			ks := sectionKeys(sec)
			return p.errorf(kn, "%s: unknown key %q (%sknown: %s)", sec, key, suggest(key, ks), strings.Join(ks, ", "))
		}
		if line, dup := first[key]; dup {
			return p.errorf(kn, "%s: duplicate key %q (first at line %d)", sec, key, line)
		}
		first[key] = kn.Line
		seen[sec+"."+key] = true
		if err := p.value(cfg, fl, vn); err != nil {
			return p.errorf(vn, "%s.%s: %v", sec, key, err)
		}
	}
	return nil
}

// value checks that the node is a scalar of fl's type and stores it.
func (p *parser) value(cfg *Config, fl *field, vn *yaml.Node) error {
	if vn.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected %s, got %s", article(fl.kind), describeNode(vn))
	}
	if vn.Tag == "!!null" {
		return fmt.Errorf("expected %s, got no value", article(fl.kind))
	}
	quoted := vn.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle|yaml.TaggedStyle) != 0
	switch fl.kind {
	case kindString:
		if vn.Tag != "!!str" {
			return fmt.Errorf("expected a string, got %q", vn.Value)
		}
	default:
		if quoted {
			return fmt.Errorf("expected %s, got the string %q", article(fl.kind), vn.Value)
		}
	}
	return fl.parseValue(cfg, vn.Value)
}

func article(k kind) string {
	if k == kindInt {
		return "an integer"
	}
	return "a " + k.noun()
}

// deref follows aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "no value"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unexpected node"
}

func known(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// errorf formats an error located at node n: "config: NAME:LINE: msg".
func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("config: %s:%d: %s", p.name, n.Line, fmt.Sprintf(format, args...))
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError rewrites a syntax error of the YAML library into
// "config: NAME:LINE: message".
func (p *parser) yamlError(err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("config: %s:%s: invalid YAML: %s", p.name, m[1], m[2])
	}
	return fmt.Errorf("config: %s: invalid YAML: %s", p.name, strings.TrimPrefix(msg, "yaml: "))
}
