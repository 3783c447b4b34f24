package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Helpers of the resources that live only in the state: the server reads
// them after apply, and nothing outside Terraform changes them.

// known reports whether v has a value: neither null nor unknown.
func known(v attr.Value) bool { return !v.IsNull() && !v.IsUnknown() }

// keepState is the Read of a resource that only lives in the state: it
// keeps the state as it is.
func keepState(_ context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	resp.State.Raw = req.State.Raw
}

// planAsState is the Update of a resource whose arguments all force a new
// resource, so that Terraform never asks for one: the plan (which keeps the
// computed values of the state) becomes the state.
func planAsState(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
}

// stringOrNull is s, or null when s is empty: what v2 stores for a value it
// sets only when there is one.
func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// emptyToNull makes an empty string null. A data source of v2 stores a
// top-level string argument configured as "" as null.
func emptyToNull(vs ...*types.String) {
	for _, v := range vs {
		if !v.IsUnknown() && v.ValueString() == "" {
			*v = types.StringNull()
		}
	}
}
