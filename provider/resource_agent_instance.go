package provider

import (
	"context"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces agentInstanceResource implements.
var (
	_ resource.Resource = (*agentInstanceResource)(nil)
)

// agentInstanceResource is coder_agent_instance: ties an agent to the
// instance ID of the compute resource it runs on, which agents that
// authenticate with an instance identity (auth = "aws-instance-identity"
// and the like) present instead of a token.
type agentInstanceResource struct{}

func newAgentInstanceResource() resource.Resource { return &agentInstanceResource{} }

type agentInstanceModel struct {
	ID         types.String `tfsdk:"id"`
	AgentID    types.String `tfsdk:"agent_id"`
	InstanceID types.String `tfsdk:"instance_id"`
}

// Metadata implements resource.Resource.
func (r *agentInstanceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_instance"
}

// Schema implements resource.Resource.
func (r *agentInstanceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Use this resource to tie an agent to the instance ID of its compute resource, for " +
			"agents that authenticate with an instance identity (`auth` other than `\"token\"`). Every " +
			"argument forces a new resource when it changes.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A random ID (a UUID), made when the resource is created.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       keepString,
			},
			"agent_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `coder_agent`.",
				Required:            true,
				PlanModifiers:       replaceString,
			},
			"instance_id": schema.StringAttribute{
				MarkdownDescription: "The instance ID of the compute resource the agent runs on, such as an " +
					"EC2 instance ID.",
				Required:      true,
				PlanModifiers: replaceString,
			},
		},
	}
}

// Create implements resource.Resource.
func (r *agentInstanceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m agentInstanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read implements resource.Resource.
func (r *agentInstanceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	keepState(ctx, req, resp)
}

// Update implements resource.Resource. Every argument forces a new resource.
func (r *agentInstanceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	planAsState(ctx, req, resp)
}

// Delete implements resource.Resource.
func (r *agentInstanceResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
