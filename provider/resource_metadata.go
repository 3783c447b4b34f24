package provider

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces metadataResource implements.
var (
	_ resource.Resource               = (*metadataResource)(nil)
	_ resource.ResourceWithModifyPlan = (*metadataResource)(nil)
)

// metadataResource is coder_metadata: what the dashboard shows about one
// resource of the workspace (key and value items, an icon, a daily cost).
type metadataResource struct{}

func newMetadataResource() resource.Resource { return &metadataResource{} }

type metadataModel struct {
	ID         types.String        `tfsdk:"id"`
	ResourceID types.String        `tfsdk:"resource_id"`
	Hide       types.Bool          `tfsdk:"hide"`
	Icon       types.String        `tfsdk:"icon"`
	DailyCost  types.Int64         `tfsdk:"daily_cost"`
	Item       []metadataItemModel `tfsdk:"item"`
}

type metadataItemModel struct {
	Key       types.String `tfsdk:"key"`
	Value     types.String `tfsdk:"value"`
	Sensitive types.Bool   `tfsdk:"sensitive"`
	IsNull    types.Bool   `tfsdk:"is_null"`
}

// Metadata implements resource.Resource.
func (r *metadataResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_metadata"
}

// Schema implements resource.Resource.
func (r *metadataResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 1,
		MarkdownDescription: "Use this resource to describe another resource of the workspace in the " +
			"dashboard: items of text, an icon, a daily cost, or hiding it. Every argument forces new " +
			"metadata when it changes.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A random ID (a UUID), made when the metadata is created.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       keepString,
			},
			"resource_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the resource the metadata describes.",
				Required:            true,
				PlanModifiers:       replaceString,
			},
			"hide": schema.BoolAttribute{
				MarkdownDescription: "Leave the resource out of the dashboard.",
				Optional:            true,
				PlanModifiers:       replaceBool,
			},
			"icon": schema.StringAttribute{
				MarkdownDescription: iconDescription,
				Optional:            true,
				Validators:          []validator.String{urlSyntax{}},
				PlanModifiers:       replaceString,
			},
			"daily_cost": schema.Int64Attribute{
				MarkdownDescription: "What the resource costs a day, in the smallest unit of a currency (such " +
					"as cents). The server adds up the costs of a workspace's resources.",
				Optional:      true,
				PlanModifiers: replaceInt64,
			},
		},
		Blocks: map[string]schema.Block{
			"item": schema.ListNestedBlock{
				MarkdownDescription: "Each `item` block is one key and value the dashboard shows.",
				PlanModifiers:       []planmodifier.List{listplanmodifier.RequiresReplace()},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"key": schema.StringAttribute{
							MarkdownDescription: "The item's key, unique within the resource.",
							Required:            true,
						},
						"value": schema.StringAttribute{
							MarkdownDescription: "The item's value, in Markdown (links included).",
							Optional:            true,
						},
						"sensitive": schema.BoolAttribute{
							MarkdownDescription: "Hide the value in the dashboard until the user reveals it. It is " +
								"still in the state and the API: do not put secrets here. Defaults to `false`.",
							Optional: true,
						},
						"is_null": schema.BoolAttribute{
							MarkdownDescription: "Whether `value` is unset (null) in the configuration.",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

// ModifyPlan implements resource.ResourceWithModifyPlan: item keys are
// unique. v2 checks them when it plans, not when it validates.
func (r *metadataResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var items []metadataItemModel
	if diags := req.Plan.GetAttribute(ctx, path.Root("item"), &items); diags.HasError() {
		return // not known yet (a dynamic block)
	}
	seen := map[string]bool{}
	for _, it := range items {
		if !known(it.Key) {
			continue
		}
		k := it.Key.ValueString()
		if seen[k] {
			resp.Diagnostics.AddError(fmt.Sprintf("duplicate resource metadata key %q", k), "")
		}
		seen[k] = true
	}
}

// Create implements resource.Resource. is_null records which values the
// configuration left out (the plan holds "" for them, see compatServer).
func (r *metadataResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m metadataModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	var cfg []metadataItemModel
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("item"), &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	for i := range m.Item {
		m.Item[i].IsNull = types.BoolValue(i < len(cfg) && cfg[i].Value.IsNull())
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read implements resource.Resource.
func (r *metadataResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	keepState(ctx, req, resp)
}

// Update implements resource.Resource. Every argument forces new metadata.
func (r *metadataResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	planAsState(ctx, req, resp)
}

// Delete implements resource.Resource.
func (r *metadataResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
