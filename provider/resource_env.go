package provider

import (
	"context"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces envResource implements.
var (
	_ resource.Resource = (*envResource)(nil)
)

// Merge strategies of coder_env.
const (
	MergeReplace = "replace"
	MergeAppend  = "append"
	MergePrepend = "prepend"
	MergeError   = "error"
)

// envResource is coder_env: one environment variable of an agent. It only
// lives in the state, where the server reads it after apply.
type envResource struct{}

func newEnvResource() resource.Resource { return &envResource{} }

type envModel struct {
	ID            types.String `tfsdk:"id"`
	AgentID       types.String `tfsdk:"agent_id"`
	Name          types.String `tfsdk:"name"`
	Value         types.String `tfsdk:"value"`
	MergeStrategy types.String `tfsdk:"merge_strategy"`
}

// Metadata implements resource.Resource.
func (r *envResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_env"
}

// Schema implements resource.Resource.
func (r *envResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 1,
		MarkdownDescription: "Use this resource to set an environment variable in a workspace: in every " +
			"startup script, shell, SSH session, terminal and app of the agent. It takes precedence over " +
			"`coder_agent.env`; the owner's user secrets take precedence over it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A random ID (a UUID), made when the resource is created.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       keepString,
			},
			"agent_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `coder_agent` this variable belongs to.",
				Required:            true,
				PlanModifiers:       replaceString,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The name of the environment variable: a letter or `_`, then letters, " +
					"digits or `_`.",
				Required:      true,
				Validators:    []validator.String{envNameSyntax()},
				PlanModifiers: replaceString,
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The value of the environment variable.",
				Optional:            true,
				PlanModifiers:       replaceString,
			},
			"merge_strategy": schema.StringAttribute{
				MarkdownDescription: "How this variable combines with other `coder_env` resources of the same " +
					"agent and name: `\"replace\"` (the default; the last one wins), `\"append\"` or `\"prepend\"` " +
					"(joined with `:`), or `\"error\"` (the build fails if another one sets the name). Resources " +
					"that append or prepend to one name are applied in the order of their Terraform addresses. " +
					"Only `coder_env` values are merged, not the environment of the workspace image.",
				Optional:      true,
				Validators:    []validator.String{stringvalidator.OneOf(MergeReplace, MergeAppend, MergePrepend, MergeError)},
				PlanModifiers: replaceString,
			},
		},
	}
}

// Create implements resource.Resource.
func (r *envResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m envModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read implements resource.Resource: the state is the whole resource.
func (r *envResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update implements resource.Resource. Every argument forces replacement.
func (r *envResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m envModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Delete implements resource.Resource.
func (r *envResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// envDefaults are coder_env's defaults (see compatServer).
var envDefaults = sdkDefaults{"merge_strategy": MergeReplace}
