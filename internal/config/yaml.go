package config

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// YAML returns the configuration, fully resolved (every key, defaults
// included), in the reference's layout: the maps method, dataset and
// training, keys in file order, two-space indentation. Floats always carry a
// decimal point ("1.0", "1.0e-06") so that YAML 1.1 readers such as PyYAML
// read them as floats too. [Parse] of the result gives back an equal Config,
// so a run directory can store exactly what ran.
func (c *Config) YAML() []byte {
	root := &yaml.Node{Kind: yaml.MappingNode}
	for _, sec := range sections {
		m := &yaml.Node{Kind: yaml.MappingNode}
		for n := range fields {
			fl := &fields[n]
			if fl.section != sec {
				continue
			}
			v := &yaml.Node{Kind: yaml.ScalarNode, Value: fl.format(c)}
			switch fl.kind {
			case kindInt:
				v.Tag = "!!int"
			case kindFloat:
				v.Tag = "!!float"
			default:
				v.Tag = "!!str"
			}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fl.key}, v)
		}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: sec}, m)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		// The tree is built above from plain scalars; encoding cannot fail.
		panic("config: encoding YAML: " + err.Error())
	}
	if err := enc.Close(); err != nil {
		panic("config: encoding YAML: " + err.Error())
	}
	return b.Bytes()
}
