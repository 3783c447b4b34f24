package provider

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// terraform-provider-coder v2 is written on terraform-plugin-sdk/v2, whose
// resources follow conventions that terraform-plugin-framework does not
// have, and that templates and the Coder server see in plans and states:
//
//   - An optional argument with a default is optional, not computed, in the
//     schema, and its default is in the plan and the state when the
//     configuration leaves it out.
//   - An argument of a nested block that the configuration leaves out is
//     planned as null when the resource is created, and stored as its
//     type's zero value ("", 0, false).
//   - A block can be optional and computed: coder_agent plans an unknown
//     display_apps block and stores one of defaults when the configuration
//     has none.
//
// The framework can express none of these in a schema (its defaults need a
// computed attribute, and blocks cannot be computed), and Terraform accepts
// such a plan only from a provider that says it uses the SDK's legacy type
// system. So compatServer wraps the framework's protocol server: before the
// framework plans a resource, it fills the defaults listed in
// resourceDefaults into the proposed new state, before the framework
// applies a plan it fills the zero values, and it marks the resource's
// plan and apply responses as legacy, as every SDK v2 provider does.
// Everything else is the framework's.

// sdkDefaults are the values arguments take when the configuration leaves
// them out, planned so. Keys are dotted paths: "share", or "item.sensitive"
// for an argument of every "item" block. A value of type sdkZero is
// planned as null on create and stored as given; one of type sdkBlock
// fills an empty top-level block list or set.
type sdkDefaults map[string]any

// sdkZero is the zero value stored for an argument of a nested block that
// the configuration leaves out.
type sdkZero struct{ v any }

// resourceDefaults lists, for each resource type, the defaults that
// compatServer fills in. A value of type sdkBlock fills an empty block
// list (or set) with one block.
var resourceDefaults = map[string]sdkDefaults{
	"coder_agent":  agentDefaults,
	"coder_app":    appDefaults,
	"coder_env":    envDefaults,
	"coder_script": scriptDefaults,
	"coder_metadata": {
		"item.value":     sdkZero{""},
		"item.sensitive": false,
	},
}

// sdkBlock is the one block an empty block list defaults to: its
// arguments' values. It is planned as unknown on create, as the prior
// state's block afterwards.
type sdkBlock map[string]any

// The two moments compatServer fills in defaults.
const (
	atPlan  = iota // PlanResourceChange, on the proposed new state
	atApply        // ApplyResourceChange, on the planned state
)

// dataSourceVersions are the schema versions of the data sources whose
// version is not 0 (the framework has no versions for data sources; the
// state records them).
var dataSourceVersions = map[string]int64{
	"coder_external_auth":    1,
	"coder_parameter":        1,
	"coder_provisioner":      1,
	"coder_workspace":        1,
	"coder_workspace_preset": 1,
	"coder_workspace_tags":   1,
}

// blockLimits are the least and most blocks of a type that the schema
// reports (the framework checks them with validators, but reports none),
// keyed by type and dotted block path.
var blockLimits = map[string]map[string][2]int64{
	"coder_agent": {
		"display_apps": {0, 1}, "resources_monitoring": {0, 1}, "resources_monitoring.memory": {0, 1},
	},
	"coder_app":       {"healthcheck": {0, 1}},
	"coder_ai_task":   {"sidebar_app": {0, 1}},
	"coder_parameter": {"validation": {0, 1}},
	"coder_workspace_preset": {
		"prebuilds": {0, 1}, "prebuilds.expiration_policy": {0, 1}, "prebuilds.scheduling": {0, 1},
		"prebuilds.scheduling.schedule": {1, 0},
	},
	"coder_script_order": {"rule": {1, 0}},
}

// GetProviderSchema implements tfprotov6.ProviderServer: the framework's
// schemas with the data source versions and block limits above.
func (s *compatServer) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	resp, err := s.ProviderServer.GetProviderSchema(ctx, req)
	if err != nil || resp == nil {
		return resp, err
	}
	for name, sch := range resp.DataSourceSchemas {
		sch.Version = dataSourceVersions[name]
		limitBlocks(sch.Block, "", blockLimits[name])
	}
	for name, sch := range resp.ResourceSchemas {
		limitBlocks(sch.Block, "", blockLimits[name])
	}
	return resp, nil
}

// limitBlocks sets the limits of b's nested blocks.
func limitBlocks(b *tfprotov6.SchemaBlock, prefix string, limits map[string][2]int64) {
	if b == nil {
		return
	}
	for _, nb := range b.BlockTypes {
		p := prefix + nb.TypeName
		if l, ok := limits[p]; ok {
			nb.MinItems, nb.MaxItems = l[0], l[1]
		}
		limitBlocks(nb.Block, p+".", limits)
	}
}

// nullEmptyBlocks are the top-level blocks of data sources that v2 stores
// as null, not as an empty list, when the configuration has none.
var nullEmptyBlocks = map[string][]string{
	"coder_parameter":        {"option"},
	"coder_workspace_preset": {"prebuilds"},
}

// ReadDataSource implements tfprotov6.DataSourceServer: the framework's
// state, with the blocks of nullEmptyBlocks null when empty.
func (s *compatServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	resp, err := s.ProviderServer.ReadDataSource(ctx, req)
	blocks := nullEmptyBlocks[req.TypeName]
	if err != nil || resp == nil || resp.State == nil || len(blocks) == 0 {
		return resp, err
	}
	typ := s.dataTypes[req.TypeName]
	val, err := resp.State.Unmarshal(typ)
	if err != nil || val.IsNull() {
		return resp, nil
	}
	var attrs map[string]tftypes.Value
	if err := val.As(&attrs); err != nil {
		return resp, nil
	}
	for _, b := range blocks {
		var elems []tftypes.Value
		if v, ok := attrs[b]; ok && v.IsKnown() && !v.IsNull() && v.As(&elems) == nil && len(elems) == 0 {
			attrs[b] = tftypes.NewValue(v.Type(), nil)
		}
	}
	state, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, attrs))
	if err != nil {
		return nil, fmt.Errorf("encode the state of %s: %w", req.TypeName, err)
	}
	resp.State = &state
	return resp, nil
}

// newProtocolServer returns the provider's protocol 6 server: the
// framework's, wrapped by compatServer.
func newProtocolServer(version string, lookupEnv func(string) (string, bool)) (tfprotov6.ProviderServer, error) {
	inner := providerserver.NewProtocol6(newWithEnv(version, lookupEnv)())()
	resp, err := inner.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, fmt.Errorf("get provider schema: %w", err)
	}
	srv := &compatServer{ProviderServer: inner, types: map[string]tftypes.Type{}, dataTypes: map[string]tftypes.Type{}}
	for name, s := range resp.ResourceSchemas {
		srv.types[name] = s.ValueType()
	}
	for name, s := range resp.DataSourceSchemas {
		srv.dataTypes[name] = s.ValueType()
	}
	return srv, nil
}

// compatServer is the framework's protocol server with the plan and state
// conventions of terraform-plugin-sdk/v2 (see above).
type compatServer struct {
	tfprotov6.ProviderServer
	// types and dataTypes are the object types of resources and data
	// sources, by type name.
	types, dataTypes map[string]tftypes.Type
}

// PlanResourceChange implements tfprotov6.ResourceServer.
func (s *compatServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if defaults, ok := resourceDefaults[req.TypeName]; ok && req.ProposedNewState != nil {
		filled, err := fillDefaults(s.types[req.TypeName], req.ProposedNewState, req.PriorState, defaults, atPlan)
		if err != nil {
			return &tfprotov6.PlanResourceChangeResponse{Diagnostics: []*tfprotov6.Diagnostic{{
				Severity: tfprotov6.DiagnosticSeverityError,
				Summary:  "Cannot apply the defaults of " + req.TypeName,
				Detail:   err.Error() + "; this is a bug in the provider.",
			}}}, nil
		}
		r := *req
		r.ProposedNewState = filled
		req = &r
	}
	resp, err := s.ProviderServer.PlanResourceChange(ctx, req)
	if resp != nil {
		//lint:ignore SA1019 the flag of terraform-plugin-sdk, on purpose (see above)
		resp.UnsafeToUseLegacyTypeSystem = true
	}
	return resp, err
}

// ApplyResourceChange implements tfprotov6.ResourceServer.
func (s *compatServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if defaults, ok := resourceDefaults[req.TypeName]; ok && req.PlannedState != nil {
		filled, err := fillDefaults(s.types[req.TypeName], req.PlannedState, req.PriorState, defaults, atApply)
		if err != nil {
			return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: []*tfprotov6.Diagnostic{{
				Severity: tfprotov6.DiagnosticSeverityError,
				Summary:  "Cannot apply the defaults of " + req.TypeName,
				Detail:   err.Error() + "; this is a bug in the provider.",
			}}}, nil
		}
		r := *req
		r.PlannedState = filled
		req = &r
	}
	resp, err := s.ProviderServer.ApplyResourceChange(ctx, req)
	if resp != nil {
		//lint:ignore SA1019 the flag of terraform-plugin-sdk, on purpose (see above)
		resp.UnsafeToUseLegacyTypeSystem = true
	}
	return resp, err
}

// fillDefaults returns v (an object of type typ) with the defaults filled
// in that belong to the moment: at plan, every null argument with a plain
// default, zero values when there is a prior state, and for an empty block
// with a default the prior state's block or an unknown one; at apply, every
// null argument with a default or zero value, and the default block for an
// unknown or empty one.
func fillDefaults(typ tftypes.Type, v, prior *tfprotov6.DynamicValue, defaults sdkDefaults, moment int) (*tfprotov6.DynamicValue, error) {
	val, err := v.Unmarshal(typ)
	if err != nil {
		return nil, fmt.Errorf("decode the proposed state: %w", err)
	}
	if val.IsNull() || !val.IsKnown() {
		return v, nil
	}
	var priorAttrs map[string]tftypes.Value
	if prior != nil {
		if pv, err := prior.Unmarshal(typ); err == nil && !pv.IsNull() && pv.IsKnown() {
			_ = pv.As(&priorAttrs)
		}
	}
	out, err := tftypes.Transform(val, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		name, isAttr := dottedPath(p)
		def, ok := defaults[name]
		if !isAttr || !ok {
			return v, nil
		}
		if block, ok := def.(sdkBlock); ok {
			if !empty(v) {
				return v, nil
			}
			switch {
			case moment == atApply:
				return defaultBlock(v.Type(), block)
			case priorAttrs != nil:
				return priorAttrs[name], nil
			}
			return tftypes.NewValue(v.Type(), tftypes.UnknownValue), nil
		}
		if !v.IsNull() || !v.IsKnown() {
			return v, nil
		}
		if z, ok := def.(sdkZero); ok {
			if moment == atPlan && priorAttrs == nil {
				return v, nil
			}
			def = z.v
		}
		return primitive(v.Type(), def)
	})
	if err != nil {
		return nil, err
	}
	dv, err := tfprotov6.NewDynamicValue(typ, out)
	if err != nil {
		return nil, fmt.Errorf("encode the proposed state: %w", err)
	}
	return &dv, nil
}

// empty reports whether v, a list or set, is unknown, null or empty.
func empty(v tftypes.Value) bool {
	if !v.IsKnown() || v.IsNull() {
		return true
	}
	var elems []tftypes.Value
	return v.As(&elems) == nil && len(elems) == 0
}

// defaultBlock returns a list or set of type t holding one block of the
// given values.
func defaultBlock(t tftypes.Type, block sdkBlock) (tftypes.Value, error) {
	var elemType tftypes.Type
	switch t := t.(type) {
	case tftypes.List:
		elemType = t.ElementType
	case tftypes.Set:
		elemType = t.ElementType
	default:
		return tftypes.Value{}, fmt.Errorf("a block default for a value of type %s", t)
	}
	obj, ok := elemType.(tftypes.Object)
	if !ok {
		return tftypes.Value{}, fmt.Errorf("a block default for elements of type %s", elemType)
	}
	attrs := map[string]tftypes.Value{}
	for name, at := range obj.AttributeTypes {
		d, ok := block[name]
		if !ok {
			attrs[name] = tftypes.NewValue(at, nil)
			continue
		}
		pv, err := primitive(at, d)
		if err != nil {
			return tftypes.Value{}, err
		}
		attrs[name] = pv
	}
	return tftypes.NewValue(t, []tftypes.Value{tftypes.NewValue(obj, attrs)}), nil
}

// primitive is d as a value of type t.
func primitive(t tftypes.Type, d any) (tftypes.Value, error) {
	switch d := d.(type) {
	case string:
		if t.Is(tftypes.String) {
			return tftypes.NewValue(t, d), nil
		}
	case bool:
		if t.Is(tftypes.Bool) {
			return tftypes.NewValue(t, d), nil
		}
	case int:
		if t.Is(tftypes.Number) {
			return tftypes.NewValue(t, new(big.Float).SetInt64(int64(d))), nil
		}
	}
	return tftypes.Value{}, fmt.Errorf("a default %#v for a value of type %s", d, t)
}

// dottedPath names an attribute path as sdkDefaults keys do: attribute
// names joined by dots, list, set and map elements left out. It reports
// whether the path ends in an attribute (not in an element).
func dottedPath(p *tftypes.AttributePath) (string, bool) {
	var names []string
	steps := p.Steps()
	for _, step := range steps {
		if name, ok := step.(tftypes.AttributeName); ok {
			names = append(names, string(name))
		}
	}
	if len(steps) == 0 {
		return "", false
	}
	_, isAttr := steps[len(steps)-1].(tftypes.AttributeName)
	return strings.Join(names, "."), isAttr
}
