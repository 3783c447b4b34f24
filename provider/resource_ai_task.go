package provider

import (
	"context"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces aiTaskResource implements.
var (
	_ resource.Resource              = (*aiTaskResource)(nil)
	_ resource.ResourceWithConfigure = (*aiTaskResource)(nil)
)

// aiTaskResource is coder_ai_task: declares that the template can run
// Coder Tasks, and which coder_app is the task's interface.
type aiTaskResource struct{ configuredResource }

func newAITaskResource() resource.Resource { return &aiTaskResource{} }

type aiTaskModel struct {
	ID         types.String `tfsdk:"id"`
	AppID      types.String `tfsdk:"app_id"`
	SidebarApp types.Set    `tfsdk:"sidebar_app"`
	Prompt     types.String `tfsdk:"prompt"`
	Enabled    types.Bool   `tfsdk:"enabled"`
}

// Metadata implements resource.Resource.
func (r *aiTaskResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_ai_task"
}

// isUUID accepts a UUID.
var isUUID = stringvalidator.RegexMatches(
	uuidSyntax, "must be a UUID")

// Schema implements resource.Resource.
func (r *aiTaskResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 1,
		MarkdownDescription: "Use this resource to make a template run Coder Tasks: `app_id` names the " +
			"`coder_app` that is the task's interface (usually a chat with an AI agent in the workspace). " +
			"The task's ID and prompt come from `CODER_TASK_ID` and `CODER_TASK_PROMPT`.",
		DeprecationMessage: taskDeprecation,
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The task's ID when the build runs for a task; a random UUID otherwise.",
				Computed:            true,
				PlanModifiers:       keepString,
			},
			"app_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `coder_app` that is the task's interface. Required unless " +
					"the deprecated `sidebar_app` block gives it.",
				Optional:           true,
				Computed:           true,
				DeprecationMessage: taskDeprecation,
				Validators: []validator.String{
					isUUID,
					stringvalidator.ConflictsWith(path.MatchRoot("sidebar_app")),
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace(), stringplanmodifier.UseStateForUnknown()},
			},
			"prompt": schema.StringAttribute{
				MarkdownDescription: "The task's prompt, when the build runs for a task.",
				Computed:            true,
				DeprecationMessage:  taskDeprecation,
				PlanModifiers:       keepString,
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the build runs for a task.",
				Computed:            true,
				DeprecationMessage:  taskDeprecation,
			},
		},
		Blocks: map[string]schema.Block{
			"sidebar_app": schema.SetNestedBlock{
				MarkdownDescription: "The app shown beside the task; use `app_id` instead. At most one block.",
				DeprecationMessage:  "Use `app_id` instead. " + taskDeprecation,
				Validators:          []validator.Set{setvalidator.SizeAtMost(1)},
				PlanModifiers:       []planmodifier.Set{setplanmodifier.RequiresReplace()},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							MarkdownDescription: "The `id` of the `coder_app`.",
							Required:            true,
							DeprecationMessage:  taskDeprecation,
							Validators:          []validator.String{isUUID},
						},
					},
				},
			},
		},
	}
}

// Create implements resource.Resource.
func (r *aiTaskResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m aiTaskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if id, err := uuid.Parse(r.getenv(envTaskID)); err == nil && id != uuid.Nil {
		m.ID, m.Enabled = types.StringValue(id.String()), types.BoolValue(true)
	} else {
		m.ID, m.Enabled = types.StringValue(uuid.NewString()), types.BoolValue(false)
	}
	m.Prompt = types.StringNull()
	if p := r.getenv(envTaskPrompt); p != "" {
		m.Prompt = types.StringValue(p)
	}
	if m.AppID.IsUnknown() || m.AppID.ValueString() == "" {
		m.AppID = types.StringValue("")
		var apps []struct {
			ID types.String `tfsdk:"id"`
		}
		resp.Diagnostics.Append(m.SidebarApp.ElementsAs(ctx, &apps, false)...)
		if len(apps) > 0 && apps[0].ID.ValueString() != "" {
			m.AppID = apps[0].ID
		}
	}
	if m.AppID.ValueString() == "" {
		resp.Diagnostics.AddError("'app_id' must be set", "")
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read implements resource.Resource.
func (r *aiTaskResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	keepState(ctx, req, resp)
}

// Update implements resource.Resource. Every argument forces a new resource.
func (r *aiTaskResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	planAsState(ctx, req, resp)
}

// Delete implements resource.Resource.
func (r *aiTaskResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
