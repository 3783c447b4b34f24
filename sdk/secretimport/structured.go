package secretimport

import (
	"encoding/json"
	"errors"
	"io"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// readJSON reads one flat JSON object whose values are all strings. Every
// key is kept in order, duplicates included (Parse refuses those).
func readJSON(text string, p *problems) []entry {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	lineAt := func(off int64) int { return 1 + strings.Count(text[:min(int(off), len(text))], "\n") }
	tok, err := dec.Token()
	if err != nil {
		p.add(lineAt(dec.InputOffset()), "not JSON: %v", jsonErr(err))
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		p.add(lineAt(dec.InputOffset()), "the file must hold one JSON object of string values, {\"KEY\": \"value\", ...}")
		return nil
	}
	var out []entry
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			p.add(lineAt(dec.InputOffset()), "not JSON: %v", jsonErr(err))
			return nil
		}
		key, _ := tok.(string)
		line := lineAt(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			p.add(line, "key %q: not JSON: %v", key, jsonErr(err))
			return nil
		}
		var value string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &value) != nil {
			p.add(line, "key %q: the value must be a string (quote numbers and booleans; objects and lists cannot be imported)", key)
			continue
		}
		out = append(out, entry{line: line, key: key, value: value})
	}
	if _, err := dec.Token(); err != nil {
		p.add(lineAt(dec.InputOffset()), "not JSON: %v", jsonErr(err))
		return nil
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		p.add(lineAt(dec.InputOffset()), "unexpected text after the JSON object")
	}
	return out
}

// jsonErr is a decoding error without the bytes it choked on (which may be a
// piece of a value).
func jsonErr(err error) string {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the JSON syntax is broken or the file ends too early"
	}
	return "the JSON cannot be read"
}

// readYAML reads one YAML document holding a flat map of strings. Numbers,
// booleans and nulls must be quoted to be strings; anchors, aliases, merge
// keys and tags are refused (nothing is ever expanded, so a file of nested
// aliases costs no more than its size).
func readYAML(text string, p *problems) []entry {
	dec := yaml.NewDecoder(strings.NewReader(text))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		p.add(0, "not YAML: %s", yamlErr(err))
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		p.add(extra.Line, "the file must hold one YAML document (remove the --- separators)")
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		p.add(m.Line, "the file must hold one map of strings, KEY: value")
		return nil
	}
	if m.Anchor != "" || m.Tag != "!!map" {
		p.add(m.Line, "anchors, aliases and tags are not allowed")
		return nil
	}
	var out []entry
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if !plainString(k) {
			p.add(k.Line, "each key must be a plain string (anchors, aliases, merge keys and tags are not allowed)")
			continue
		}
		if !plainString(v) {
			switch {
			case v.Kind == yaml.AliasNode || v.Anchor != "":
				p.add(v.Line, "key %q: anchors and aliases are not allowed", k.Value)
			case v.Kind != yaml.ScalarNode:
				p.add(v.Line, "key %q: the value must be a string (maps and lists cannot be imported)", k.Value)
			default:
				p.add(v.Line, "key %q: the value must be a string: quote it (numbers, booleans and null are read as such)", k.Value)
			}
			continue
		}
		out = append(out, entry{line: k.Line, key: k.Value, value: v.Value})
	}
	return out
}

// plainString reports whether n is a string scalar with no anchor or tag
// of its own (a quoted scalar, or a plain one YAML reads as a string). The
// words older YAML reads as booleans (yes, no, on, off, y, n) must be
// quoted too, so that a file means the same to every parser.
func plainString(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode || n.Anchor != "" || n.Tag != "!!str" || n.Style&yaml.TaggedStyle != 0 {
		return false
	}
	if n.Style == 0 {
		switch strings.ToLower(n.Value) {
		case "y", "n", "yes", "no", "on", "off":
			return false
		}
	}
	return true
}

// yamlErr is a parser error without the text it quotes. The parser's
// messages start with "yaml: line N: ".
func yamlErr(err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "yaml: ") {
		msg = strings.TrimPrefix(msg, "yaml: ")
		if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "line ") && i > 0 {
			return msg[:i] + ": the YAML syntax is broken"
		}
	}
	return "the YAML syntax is broken"
}
