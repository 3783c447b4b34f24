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

// The interfaces devcontainerResource implements.
var (
	_ resource.Resource = (*devcontainerResource)(nil)
)

// devcontainerResource is coder_devcontainer: a Dev Container that the
// agent starts in the workspace, with a sub-agent of its own.
type devcontainerResource struct{}

func newDevcontainerResource() resource.Resource { return &devcontainerResource{} }

type devcontainerModel struct {
	ID              types.String `tfsdk:"id"`
	AgentID         types.String `tfsdk:"agent_id"`
	WorkspaceFolder types.String `tfsdk:"workspace_folder"`
	ConfigPath      types.String `tfsdk:"config_path"`
	SubagentID      types.String `tfsdk:"subagent_id"`
}

// Metadata implements resource.Resource.
func (r *devcontainerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_devcontainer"
}

// Schema implements resource.Resource.
func (r *devcontainerResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 1,
		MarkdownDescription: "Use this resource to have an agent start a Dev Container from a folder of the " +
			"workspace. Every argument forces a new Dev Container when it changes.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A random ID (a UUID), made when the resource is created.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       keepString,
			},
			"agent_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `coder_agent` that starts the Dev Container.",
				Required:            true,
				PlanModifiers:       replaceString,
			},
			"workspace_folder": schema.StringAttribute{
				MarkdownDescription: "The folder, in the workspace, that holds the Dev Container's project. Not empty.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replaceString,
			},
			"config_path": schema.StringAttribute{
				MarkdownDescription: "The path of the `devcontainer.json` to use, when it is not in one of the " +
					"usual places of `workspace_folder`.",
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"subagent_id": schema.StringAttribute{
				MarkdownDescription: "The ID (a UUID) of the sub-agent that runs in the Dev Container, made when " +
					"the resource is created.",
				Computed:      true,
				PlanModifiers: keepString,
			},
		},
	}
}

// Create implements resource.Resource.
func (r *devcontainerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m devcontainerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	m.SubagentID = types.StringValue(uuid.NewString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read implements resource.Resource.
func (r *devcontainerResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	keepState(ctx, req, resp)
}

// Update implements resource.Resource. Every argument forces a new resource.
func (r *devcontainerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	planAsState(ctx, req, resp)
}

// Delete implements resource.Resource.
func (r *devcontainerResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
