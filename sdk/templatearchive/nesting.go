package templatearchive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Limits of one configuration file that Requirements parses. The HCL and
// JSON parsers and the evaluation of expressions recurse once per level of
// nesting, and a Go program cannot survive running out of stack: checkHCL
// and checkJSON measure the nesting first, with no recursion, and refuse a
// file past these limits. Real templates stay far below them.
const (
	// MaxConfigFileBytes bounds a .tf or .tf.json file of the root module.
	MaxConfigFileBytes = 1 << 20
	// MaxNesting bounds how deeply brackets, braces, parentheses, strings
	// and template sequences nest, counting each operator chained at one
	// level (a ? b : c ? d : e, !!x, a + b + c) and each index (x[a][b])
	// as one more level: the parser or the evaluator recurses for each.
	MaxNesting = 500
)

var errTooDeep = fmt.Errorf("its expressions nest deeper than %d levels (brackets, braces, parentheses, template sequences or chained operators)", MaxNesting)

// checkConfigFile refuses a root module file that is too large or nests too
// deeply to be parsed safely.
func checkConfigFile(f File) error {
	if len(f.Data) > MaxConfigFileBytes {
		return fmt.Errorf("%s is %d bytes long; Terraform files of at most %d bytes are accepted", f.Name, len(f.Data), MaxConfigFileBytes)
	}
	var err error
	if strings.HasSuffix(f.Name, ".tf.json") {
		err = checkJSON(f.Data, f.Name)
	} else {
		err = checkHCL(f.Data, f.Name)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	return nil
}

// nesting measures the recursion a token stream will cost the parser and the
// evaluator: one level per open bracket, brace, parenthesis, quote, heredoc
// and template sequence, plus one per operator (and per index bracket) seen
// at a level since its last separator, plus one per open template directive
// (%{if} or %{for}). It over-counts rather than under-counts.
//
// levels[0] is the file itself (a body, where newlines separate attributes)
// or the template string; it is never popped and counts only its ops.
type nesting struct {
	levels     []level
	directives int
	total      int // len(levels)-1 + sum of ops + directives
}

func newNesting(root hclsyntax.TokenType, base int) *nesting {
	return &nesting{levels: []level{{open: root}}, total: base}
}

type level struct {
	open hclsyntax.TokenType
	ops  int
}

func (n *nesting) add(k int) error {
	n.total += k
	if n.total > MaxNesting {
		return errTooDeep
	}
	return nil
}

func (n *nesting) op() error {
	n.levels[len(n.levels)-1].ops++
	return n.add(1)
}

// separate ends an expression at the current level (a comma, or a newline
// where newlines separate items).
func (n *nesting) separate() {
	top := &n.levels[len(n.levels)-1]
	n.total -= top.ops
	top.ops = 0
}

func (n *nesting) tokens(toks hclsyntax.Tokens) error {
	for i, t := range toks {
		switch t.Type {
		case hclsyntax.TokenOBrack:
			if err := n.op(); err != nil { // x[a][b] nests index expressions
				return err
			}
			fallthrough
		case hclsyntax.TokenOBrace, hclsyntax.TokenOParen, hclsyntax.TokenOQuote,
			hclsyntax.TokenOHeredoc, hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			if t.Type == hclsyntax.TokenTemplateControl && i+1 < len(toks) && toks[i+1].Type == hclsyntax.TokenIdent {
				switch string(toks[i+1].Bytes) {
				case "if", "for":
					n.directives++
					if err := n.add(1); err != nil {
						return err
					}
				case "endif", "endfor":
					if n.directives > 0 {
						n.directives--
						n.total--
					}
				}
			}
			n.levels = append(n.levels, level{open: t.Type})
			if err := n.add(1); err != nil {
				return err
			}
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCQuote,
			hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			if len(n.levels) > 1 {
				top := n.levels[len(n.levels)-1]
				n.levels = n.levels[:len(n.levels)-1]
				n.total -= 1 + top.ops
			}
		case hclsyntax.TokenBang, hclsyntax.TokenMinus, hclsyntax.TokenQuestion, hclsyntax.TokenPlus,
			hclsyntax.TokenStar, hclsyntax.TokenSlash, hclsyntax.TokenPercent, hclsyntax.TokenEqualOp,
			hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq,
			hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq, hclsyntax.TokenAnd, hclsyntax.TokenOr:
			if err := n.op(); err != nil {
				return err
			}
		case hclsyntax.TokenComma:
			n.separate()
		case hclsyntax.TokenNewline:
			// Newlines end an attribute in a body and an item in an object;
			// inside brackets, parentheses and templates they mean nothing.
			if n.levels[len(n.levels)-1].open == hclsyntax.TokenOBrace {
				n.separate()
			}
		}
	}
	return nil
}

// checkHCL lexes a native syntax file (the lexer is a state machine, it does
// not recurse) and measures its nesting.
func checkHCL(src []byte, name string) error {
	toks, _ := hclsyntax.LexConfig(src, name, hcl.InitialPos)
	return newNesting(hclsyntax.TokenOBrace, 0).tokens(toks)
}

// checkJSON measures the nesting of a JSON file with encoding/json's
// streaming decoder (iterative), and of every string in it that holds a
// template sequence: HCL evaluates such strings as templates.
func checkJSON(src []byte, name string) error {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return fmt.Errorf("malformed JSON at byte %d", se.Offset)
			}
			return errors.New("malformed JSON")
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '[', '{':
				depth++
				if depth > MaxNesting {
					return errTooDeep
				}
			default:
				depth--
			}
		case string:
			if !strings.Contains(v, "${") && !strings.Contains(v, "%{") {
				continue
			}
			toks, _ := hclsyntax.LexTemplate([]byte(v), name, hcl.InitialPos)
			if err := newNesting(hclsyntax.TokenOQuote, depth).tokens(toks); err != nil {
				return err
			}
		}
	}
}
