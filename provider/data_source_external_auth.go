package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/usersecrets/coder/sdk/buildenv"
)

// The interfaces externalAuthDataSource implements.
var (
	_ datasource.DataSource              = (*externalAuthDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*externalAuthDataSource)(nil)
)

// externalAuthDataSource is coder_external_auth: the owner's access token
// for one external auth provider of the deployment (such as GitHub), which
// the server passes in CODER_EXTERNAL_AUTH_ACCESS_TOKEN_<id>.
type externalAuthDataSource struct{ configured }

func newExternalAuthDataSource() datasource.DataSource { return &externalAuthDataSource{} }

type externalAuthModel struct {
	ID          types.String `tfsdk:"id"`
	AccessToken types.String `tfsdk:"access_token"`
	Optional    types.Bool   `tfsdk:"optional"`
}

// Metadata implements datasource.DataSource.
func (d *externalAuthDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_external_auth"
}

// Schema implements datasource.DataSource.
func (d *externalAuthDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Use this data source to require that the workspace's owner has signed in to an " +
			"external auth provider of the deployment (such as GitHub or GitLab) and to get the owner's " +
			"access token, for example to clone private repositories. This server keeps no external auth " +
			"providers; the token is read from `CODER_EXTERNAL_AUTH_ACCESS_TOKEN_<id>` when the build has it, " +
			"and is empty otherwise.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The ID of the external auth provider, as the deployment's configuration names it.",
				Required:            true,
			},
			"access_token": schema.StringAttribute{
				MarkdownDescription: "The owner's access token for the provider, or `\"\"` when the build has none.",
				Computed:            true,
				Sensitive:           true,
			},
			"optional": schema.BoolAttribute{
				MarkdownDescription: "Whether users may create and update workspaces without signing in to the provider.",
				Optional:            true,
			},
		},
	}
}

// Read implements datasource.DataSource.
func (d *externalAuthDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m externalAuthModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.ID.ValueString() == "" {
		resp.Diagnostics.AddError("id is required", "")
		return
	}
	m.AccessToken = types.StringValue(d.getenv(buildenv.ExternalAuthAccessToken(m.ID.ValueString())))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
