package provider

import (
	"context"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces scriptOrderDataSource implements.
var (
	_ datasource.DataSource = (*scriptOrderDataSource)(nil)
)

// scriptOrderDataSource is coder_script_order: rules that make some
// scripts of an agent wait for others. The server reads the rules from the
// plan; the data source only checks their shape.
type scriptOrderDataSource struct{}

func newScriptOrderDataSource() datasource.DataSource { return &scriptOrderDataSource{} }

type scriptOrderModel struct {
	ID   types.String      `tfsdk:"id"`
	Rule []scriptOrderRule `tfsdk:"rule"`
}

type scriptOrderRule struct {
	Run      types.List   `tfsdk:"run"`
	After    types.List   `tfsdk:"after"`
	Requires types.String `tfsdk:"requires"`
	Phase    types.String `tfsdk:"phase"`
}

// Metadata implements datasource.DataSource.
func (d *scriptOrderDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_script_order"
}

// selectors is the schema of a rule's list of script selectors.
func selectors(what string) schema.ListAttribute {
	return schema.ListAttribute{
		MarkdownDescription: what + " Each selector is a script's address (`coder_script.name`, " +
			"`coder_script.name[0]`) or a module's (`module.name`, for all its scripts). At least one.",
		ElementType: types.StringType,
		Required:    true,
		Validators: []validator.List{
			listvalidator.SizeAtLeast(1),
			listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
		},
	}
}

// Schema implements datasource.DataSource.
func (d *scriptOrderDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Use this data source to order the scripts of an agent: each `rule` makes its " +
			"`run` scripts wait until its `after` scripts are done. The rules of every `coder_script_order` " +
			"of a template add up.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A random ID (a UUID), new at every read.",
				Optional:            true,
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{
			"rule": schema.ListNestedBlock{
				MarkdownDescription: "One ordering rule. At least one block.",
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"run":   selectors("The scripts that wait."),
						"after": selectors("The scripts they wait for."),
						"requires": schema.StringAttribute{
							MarkdownDescription: "What the `after` scripts must have done: `\"success\"` (the " +
								"default; a failed, timed-out or skipped one skips the `run` scripts) or " +
								"`\"completion\"` (finished, whatever the outcome).",
							Optional:   true,
							Validators: []validator.String{sdkOneOf("success", "completion")},
						},
						"phase": schema.StringAttribute{
							MarkdownDescription: "The lifecycle the rule is for: `\"start\"` or `\"stop\"`. Unset, the " +
								"server infers it from the `coder_script` selectors; set it for a rule of " +
								"`module` selectors only whose modules have both start and stop scripts.",
							Optional:   true,
							Validators: []validator.String{sdkOneOf("start", "stop")},
						},
					},
				},
			},
		},
	}
}

// Read implements datasource.DataSource.
func (d *scriptOrderDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m scriptOrderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for i := range m.Rule {
		if m.Rule[i].Requires.IsNull() {
			m.Rule[i].Requires = types.StringValue("success")
		}
		if m.Rule[i].Phase.IsNull() {
			m.Rule[i].Phase = types.StringValue("")
		}
	}
	m.ID = types.StringValue(uuid.NewString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
