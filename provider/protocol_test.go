package provider

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// This file drives the provider through the plugin protocol, as Terraform
// does, with no terraform binary: every test gets its own provider and its
// own environment, so tests run in parallel.

// unknown stands for an unknown value in decoded values.
const unknown = "<unknown>"

// testServer is a configured provider server.
type testServer struct {
	t       *testing.T
	srv     tfprotov6.ProviderServer
	schemas *tfprotov6.GetProviderSchemaResponse
}

// newTestServer starts a provider reading env, configured with the url
// setting (nil: not set).
func newTestServer(t *testing.T, env map[string]string, url any) *testServer {
	t.Helper()
	s := newUnconfiguredServer(t, env)
	diags := s.configure(url)
	if len(diags) > 0 {
		t.Fatalf("ConfigureProvider: got diagnostics %s, want none", diagText(diags))
	}
	return s
}

func newUnconfiguredServer(t *testing.T, env map[string]string) *testServer {
	t.Helper()
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	srv, err := newProtocolServer("test", lookup)
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(schemas.Diagnostics) > 0 {
		t.Fatalf("GetProviderSchema: got diagnostics %s, want none", diagText(schemas.Diagnostics))
	}
	return &testServer{t: t, srv: srv, schemas: schemas}
}

func (s *testServer) configure(url any) []*tfprotov6.Diagnostic {
	s.t.Helper()
	typ := s.schemas.Provider.ValueType()
	resp, err := s.srv.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.11.0",
		Config:           s.dynamic(typ, map[string]any{"url": url}),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.Diagnostics
}

func (s *testServer) resourceType(name string) tftypes.Type {
	s.t.Helper()
	sch, ok := s.schemas.ResourceSchemas[name]
	if !ok {
		s.t.Fatalf("no resource %s", name)
	}
	return sch.ValueType()
}

func (s *testServer) dataSourceType(name string) tftypes.Type {
	s.t.Helper()
	sch, ok := s.schemas.DataSourceSchemas[name]
	if !ok {
		s.t.Fatalf("no data source %s", name)
	}
	return sch.ValueType()
}

func (s *testServer) dynamic(typ tftypes.Type, v any) *tfprotov6.DynamicValue {
	s.t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, toValue(s.t, typ, v))
	if err != nil {
		s.t.Fatal(err)
	}
	return &dv
}

// readDataSource validates config and reads the data source. It returns
// the decoded state (nil on error) and every diagnostic.
func (s *testServer) readDataSource(name string, config map[string]any) (map[string]any, []*tfprotov6.Diagnostic) {
	s.t.Helper()
	ctx := context.Background()
	typ := s.dataSourceType(name)
	cfg := s.dynamic(typ, config)
	vresp, err := s.srv.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: name, Config: cfg})
	if err != nil {
		s.t.Fatal(err)
	}
	if hasError(vresp.Diagnostics) {
		return nil, vresp.Diagnostics
	}
	resp, err := s.srv.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: name, Config: cfg})
	if err != nil {
		s.t.Fatal(err)
	}
	diags := append(vresp.Diagnostics, resp.Diagnostics...)
	if hasError(diags) {
		return nil, diags
	}
	return s.decode(typ, resp.State), diags
}

// validateResource runs ValidateResourceConfig.
func (s *testServer) validateResource(name string, config map[string]any) []*tfprotov6.Diagnostic {
	s.t.Helper()
	resp, err := s.srv.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{
		TypeName: name,
		Config:   s.dynamic(s.resourceType(name), config),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.Diagnostics
}

// lifecycle is a resource's life through the protocol.
type lifecycle struct {
	s      *testServer
	name   string
	typ    tftypes.Type
	config *tfprotov6.DynamicValue
	state  *tfprotov6.DynamicValue
}

// create validates, plans and applies the creation of a resource, failing
// the test on any error. It returns the planned and the new state.
func (s *testServer) create(name string, config map[string]any) (*lifecycle, map[string]any, map[string]any) {
	s.t.Helper()
	if diags := s.validateResource(name, config); hasError(diags) {
		s.t.Fatalf("ValidateResourceConfig %s: got %s, want no errors", name, diagText(diags))
	}
	l := &lifecycle{s: s, name: name, typ: s.resourceType(name)}
	l.config = s.dynamic(l.typ, config)
	null := s.dynamic(l.typ, nil)
	ctx := context.Background()
	plan, err := s.srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: name, PriorState: null, ProposedNewState: l.config, Config: l.config,
	})
	if err != nil {
		s.t.Fatal(err)
	}
	if len(plan.Diagnostics) > 0 {
		s.t.Fatalf("PlanResourceChange %s: got %s, want no diagnostics", name, diagText(plan.Diagnostics))
	}
	apply, err := s.srv.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: name, PriorState: null, PlannedState: plan.PlannedState, Config: l.config,
	})
	if err != nil {
		s.t.Fatal(err)
	}
	if len(apply.Diagnostics) > 0 {
		s.t.Fatalf("ApplyResourceChange %s: got %s, want no diagnostics", name, diagText(apply.Diagnostics))
	}
	l.state = apply.NewState
	return l, s.decode(l.typ, plan.PlannedState), s.decode(l.typ, apply.NewState)
}

// refresh reads the resource and keeps the new state.
func (l *lifecycle) refresh() map[string]any {
	l.s.t.Helper()
	resp, err := l.s.srv.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: l.name, CurrentState: l.state})
	if err != nil {
		l.s.t.Fatal(err)
	}
	if len(resp.Diagnostics) > 0 {
		l.s.t.Fatalf("ReadResource %s: got %s, want no diagnostics", l.name, diagText(resp.Diagnostics))
	}
	l.state = resp.NewState
	return l.s.decode(l.typ, resp.NewState)
}

// replan plans the unchanged configuration against the current state and
// returns the planned state and whether a replacement is needed.
func (l *lifecycle) replan() (map[string]any, bool) {
	l.s.t.Helper()
	resp, err := l.s.srv.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: l.name, PriorState: l.state, ProposedNewState: l.state, Config: l.config,
	})
	if err != nil {
		l.s.t.Fatal(err)
	}
	if len(resp.Diagnostics) > 0 {
		l.s.t.Fatalf("PlanResourceChange %s: got %s, want no diagnostics", l.name, diagText(resp.Diagnostics))
	}
	return l.s.decode(l.typ, resp.PlannedState), len(resp.RequiresReplace) > 0
}

func (s *testServer) decode(typ tftypes.Type, dv *tfprotov6.DynamicValue) map[string]any {
	s.t.Helper()
	v, err := dv.Unmarshal(typ)
	if err != nil {
		s.t.Fatal(err)
	}
	m, _ := fromValue(s.t, v).(map[string]any)
	return m
}

// toValue converts a Go value (nil, string, bool, int, float64, []any,
// map[string]any, or a tftypes.Value) to a value of typ. Missing object
// attributes are null.
func toValue(t *testing.T, typ tftypes.Type, v any) tftypes.Value {
	t.Helper()
	if tv, ok := v.(tftypes.Value); ok {
		return tv
	}
	if v == nil {
		return tftypes.NewValue(typ, nil)
	}
	switch {
	case typ.Is(tftypes.String), typ.Is(tftypes.Bool):
		return tftypes.NewValue(typ, v)
	case typ.Is(tftypes.Number):
		switch n := v.(type) {
		case int:
			return tftypes.NewValue(typ, big.NewFloat(float64(n)))
		case float64:
			return tftypes.NewValue(typ, big.NewFloat(n))
		}
	case typ.Is(tftypes.List{}), typ.Is(tftypes.Set{}):
		var elem tftypes.Type
		if l, ok := typ.(tftypes.List); ok {
			elem = l.ElementType
		} else {
			elem = typ.(tftypes.Set).ElementType
		}
		var vals []tftypes.Value
		for _, e := range v.([]any) {
			vals = append(vals, toValue(t, elem, e))
		}
		return tftypes.NewValue(typ, vals)
	case typ.Is(tftypes.Map{}):
		vals := map[string]tftypes.Value{}
		for k, e := range v.(map[string]any) {
			vals[k] = toValue(t, typ.(tftypes.Map).ElementType, e)
		}
		return tftypes.NewValue(typ, vals)
	case typ.Is(tftypes.Object{}):
		obj := typ.(tftypes.Object)
		in := v.(map[string]any)
		for k := range in {
			if _, ok := obj.AttributeTypes[k]; !ok {
				t.Fatalf("toValue: %s has no attribute %q", typ, k)
			}
		}
		vals := map[string]tftypes.Value{}
		for k, at := range obj.AttributeTypes {
			vals[k] = toValue(t, at, in[k])
		}
		return tftypes.NewValue(typ, vals)
	}
	t.Fatalf("toValue: cannot convert %T to %s", v, typ)
	return tftypes.Value{}
}

// fromValue converts a value to Go: nil, string, bool, float64, []any,
// map[string]any, or unknown.
func fromValue(t *testing.T, v tftypes.Value) any {
	t.Helper()
	if !v.IsKnown() {
		return unknown
	}
	if v.IsNull() {
		return nil
	}
	typ := v.Type()
	switch {
	case typ.Is(tftypes.String):
		var s string
		_ = v.As(&s)
		return s
	case typ.Is(tftypes.Bool):
		var b bool
		_ = v.As(&b)
		return b
	case typ.Is(tftypes.Number):
		var f big.Float
		_ = v.As(&f)
		n, _ := f.Float64()
		return n
	case typ.Is(tftypes.List{}), typ.Is(tftypes.Set{}), typ.Is(tftypes.Tuple{}):
		var vals []tftypes.Value
		_ = v.As(&vals)
		out := []any{}
		for _, e := range vals {
			out = append(out, fromValue(t, e))
		}
		return out
	case typ.Is(tftypes.Map{}), typ.Is(tftypes.Object{}):
		var vals map[string]tftypes.Value
		_ = v.As(&vals)
		out := map[string]any{}
		for k, e := range vals {
			out[k] = fromValue(t, e)
		}
		return out
	}
	t.Fatalf("fromValue: unexpected type %s", typ)
	return nil
}

func hasError(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

// diagText prints diagnostics for a test message.
func diagText(diags []*tfprotov6.Diagnostic) string {
	var parts []string
	for _, d := range diags {
		parts = append(parts, fmt.Sprintf("[%s] %s: %s", d.Severity, d.Summary, d.Detail))
	}
	return "{" + strings.Join(parts, "; ") + "}"
}

// diagsContain reports whether one error diagnostic holds every part in its
// summary and detail.
func diagsContain(diags []*tfprotov6.Diagnostic, parts ...string) bool {
	for _, d := range diags {
		if d.Severity != tfprotov6.DiagnosticSeverityError {
			continue
		}
		text := d.Summary + "\n" + d.Detail
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(text, p)
		}
		if ok {
			return true
		}
	}
	return false
}
