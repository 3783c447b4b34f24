package provider

import (
	"context"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces workspaceDataSource implements.
var (
	_ datasource.DataSource              = (*workspaceDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*workspaceDataSource)(nil)
)

// workspaceDataSource is coder_workspace: the workspace being built, from
// the build's environment.
type workspaceDataSource struct {
	data *providerData
}

func newWorkspaceDataSource() datasource.DataSource { return &workspaceDataSource{} }

type workspaceModel struct {
	ID              types.String `tfsdk:"id"`
	Name            types.String `tfsdk:"name"`
	Transition      types.String `tfsdk:"transition"`
	StartCount      types.Int64  `tfsdk:"start_count"`
	AccessURL       types.String `tfsdk:"access_url"`
	AccessPort      types.Int64  `tfsdk:"access_port"`
	TemplateID      types.String `tfsdk:"template_id"`
	TemplateName    types.String `tfsdk:"template_name"`
	TemplateVersion types.String `tfsdk:"template_version"`
	IsPrebuild      types.Bool   `tfsdk:"is_prebuild"`
	IsPrebuildClaim types.Bool   `tfsdk:"is_prebuild_claim"`
	PrebuildCount   types.Int64  `tfsdk:"prebuild_count"`
}

// Metadata implements datasource.DataSource.
func (d *workspaceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace"
}

// Schema implements datasource.DataSource.
func (d *workspaceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Use this data source to get information about the workspace being built. " +
			"Outside a build (a local `terraform plan`), it holds placeholder values.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The workspace's ID (a UUID). A random UUID outside a build.",
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The workspace's name. `\"default\"` outside a build.",
				Computed:            true,
			},
			"transition": schema.StringAttribute{
				MarkdownDescription: "The build's transition: `\"start\"`, `\"stop\"` or `\"delete\"`. " +
					"`\"start\"` outside a build. Use it to start and stop resources with `count`.",
				Computed: true,
			},
			"start_count": schema.Int64Attribute{
				MarkdownDescription: "`1` when `transition` is `\"start\"`, else `0`: use it as the `count` of " +
					"resources that exist only while the workspace runs.",
				Computed: true,
			},
			"access_url": schema.StringAttribute{
				MarkdownDescription: "The access URL of the Coder deployment building the workspace.",
				Computed:            true,
			},
			"access_port": schema.Int64Attribute{
				MarkdownDescription: "The port of `access_url` (80 or 443 when it names none).",
				Computed:            true,
			},
			"template_id": schema.StringAttribute{
				MarkdownDescription: "The ID of the workspace's template. Empty outside a build.",
				Computed:            true,
			},
			"template_name": schema.StringAttribute{
				MarkdownDescription: "The name of the workspace's template. Empty outside a build.",
				Computed:            true,
			},
			"template_version": schema.StringAttribute{
				MarkdownDescription: "The version of the workspace's template. Empty outside a build.",
				Computed:            true,
			},
			"is_prebuild": schema.BoolAttribute{
				MarkdownDescription: "Whether the workspace is an unclaimed prebuilt workspace " +
					"(`CODER_WORKSPACE_IS_PREBUILD` is `\"true\"`, any case). This server makes no prebuilds, so it is " +
					"`false` in its builds.",
				Computed: true,
			},
			"is_prebuild_claim": schema.BoolAttribute{
				MarkdownDescription: "Whether the build is the one that hands a prebuilt workspace to its new " +
					"owner (`CODER_WORKSPACE_IS_PREBUILD_CLAIM` is `\"true\"`, any case). This server makes no " +
					"prebuilds, so it is `false` in its builds.",
				Computed: true,
			},
			"prebuild_count": schema.Int64Attribute{
				MarkdownDescription: "`1` when `is_prebuild` is true, else `0`.",
				Computed:            true,
			},
		},
	}
}

// Configure implements datasource.DataSourceWithConfigure.
func (d *workspaceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, err := configuredData(req.ProviderData)
	if err != nil {
		resp.Diagnostics.AddError("Provider misconfigured", err.Error())
		return
	}
	if data != nil {
		d.data = data
	}
}

// Read implements datasource.DataSource.
func (d *workspaceDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		resp.Diagnostics.AddError("Provider not configured", "The coder provider was not configured; this is a bug in the provider.")
		return
	}
	getenv := d.data.getenv
	m := workspaceModel{
		ID:         types.StringValue(envOr(getenv, envWorkspaceID, uuid.NewString())),
		Name:       types.StringValue(envOr(getenv, envWorkspaceName, "default")),
		Transition: types.StringValue(envOr(getenv, envTransition, transitionStart)),
		AccessURL:  types.StringValue(d.data.accessURL.String()),
		AccessPort: types.Int64Value(accessPort(d.data)),
	}
	m.StartCount = types.Int64Value(0)
	if m.Transition.ValueString() == transitionStart {
		m.StartCount = types.Int64Value(1)
	}
	prebuild := strings.EqualFold(getenv(envIsPrebuild), "true")
	m.IsPrebuildClaim = types.BoolValue(strings.EqualFold(getenv(envIsPrebuildClaim), "true"))
	m.IsPrebuild = types.BoolValue(prebuild)
	m.PrebuildCount = types.Int64Value(0)
	if prebuild {
		m.PrebuildCount = types.Int64Value(1)
	}
	for _, f := range []struct {
		env  string
		dest *types.String
	}{
		{envTemplateID, &m.TemplateID},
		{envTemplateName, &m.TemplateName},
		{envTemplateVersion, &m.TemplateVersion},
	} {
		v, err := requireEnv(getenv, f.env)
		if err != nil {
			resp.Diagnostics.AddError("Missing workspace build information", capitalize(err.Error())+".")
			return
		}
		*f.dest = types.StringValue(v)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// accessPort is the port of the access URL, or the default port of its
// scheme.
func accessPort(d *providerData) int64 {
	if p, err := strconv.ParseInt(d.accessURL.Port(), 10, 64); err == nil {
		return p
	}
	if d.accessURL.Scheme == "https" {
		return 443
	}
	return 80
}
