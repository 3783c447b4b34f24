package provider

import (
	"context"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces externalAgentResource implements.
var (
	_ resource.Resource = (*externalAgentResource)(nil)
)

// externalAgentResource is coder_external_agent: marks an agent as one that
// runs outside the template's compute resources, started by hand with the
// agent's token.
type externalAgentResource struct{}

func newExternalAgentResource() resource.Resource { return &externalAgentResource{} }

type externalAgentModel struct {
	ID      types.String `tfsdk:"id"`
	AgentID types.String `tfsdk:"agent_id"`
}

// Metadata implements resource.Resource.
func (r *externalAgentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_external_agent"
}

// Schema implements resource.Resource.
func (r *externalAgentResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 1,
		MarkdownDescription: "Use this resource to mark an agent as external: it runs on a machine that the " +
			"template does not create, where a person starts it with the agent's token. Changing " +
			"`agent_id` forces a new resource.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A random ID (a UUID), made when the resource is created.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       keepString,
			},
			"agent_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the external `coder_agent`.",
				Required:            true,
				PlanModifiers:       replaceString,
			},
		},
	}
}

// Create implements resource.Resource.
func (r *externalAgentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m externalAgentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read implements resource.Resource.
func (r *externalAgentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	keepState(ctx, req, resp)
}

// Update implements resource.Resource. Every argument forces a new resource.
func (r *externalAgentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	planAsState(ctx, req, resp)
}

// Delete implements resource.Resource.
func (r *externalAgentResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
