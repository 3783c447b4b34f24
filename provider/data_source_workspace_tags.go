package provider

import (
	"context"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces workspaceTagsDataSource implements.
var (
	_ datasource.DataSource = (*workspaceTagsDataSource)(nil)
)

// workspaceTagsDataSource is coder_workspace_tags: the provisioner tags a
// workspace's builds ask for. The server reads them from the template.
type workspaceTagsDataSource struct{}

func newWorkspaceTagsDataSource() datasource.DataSource { return &workspaceTagsDataSource{} }

type workspaceTagsModel struct {
	ID   types.String `tfsdk:"id"`
	Tags types.Map    `tfsdk:"tags"`
}

// Metadata implements datasource.DataSource.
func (d *workspaceTagsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace_tags"
}

// Schema implements datasource.DataSource.
func (d *workspaceTagsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Use this data source to give a workspace's builds provisioner tags, which choose " +
			"the provisioners that may run them. Values may come from parameters. This server has one " +
			"provisioner and keeps the tags only for compatibility.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A random ID (a UUID), new at every read.",
				Optional:            true,
				Computed:            true,
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "The tags: each key a tag name, each value its value.",
				ElementType:         types.StringType,
				Optional:            true,
			},
		},
	}
}

// Read implements datasource.DataSource.
func (d *workspaceTagsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m workspaceTagsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
