package provider

import (
	"context"
	"runtime"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces provisionerDataSource implements.
var (
	_ datasource.DataSource = (*provisionerDataSource)(nil)
)

// provisionerDataSource is coder_provisioner: the operating system and
// architecture of the machine that runs Terraform (the provisioner).
type provisionerDataSource struct{}

func newProvisionerDataSource() datasource.DataSource { return &provisionerDataSource{} }

type provisionerModel struct {
	ID   types.String `tfsdk:"id"`
	OS   types.String `tfsdk:"os"`
	Arch types.String `tfsdk:"arch"`
}

// Metadata implements datasource.DataSource.
func (d *provisionerDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_provisioner"
}

// Schema implements datasource.DataSource.
func (d *provisionerDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Use this data source to learn the platform of the machine that runs Terraform " +
			"for the build, for example to give a local agent the right `os` and `arch`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A random ID (a UUID), new at every read.",
				Optional:            true,
				Computed:            true,
			},
			"os": schema.StringAttribute{
				MarkdownDescription: "The operating system of the machine, as Go names it (`runtime.GOOS`): " +
					"`\"linux\"`, `\"darwin\"`, `\"windows\"`, ….",
				Computed: true,
			},
			"arch": schema.StringAttribute{
				MarkdownDescription: "The architecture of the machine, as Go names it (`runtime.GOARCH`), except " +
					"32-bit ARM, which is `\"armv7\"` as `coder_agent.arch` names it.",
				Computed: true,
			},
		},
	}
}

// Read implements datasource.DataSource.
func (d *provisionerDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	arch := runtime.GOARCH
	if arch == "arm" {
		arch = "armv7"
	}
	m := provisionerModel{
		ID:   types.StringValue(uuid.NewString()),
		OS:   types.StringValue(runtime.GOOS),
		Arch: types.StringValue(arch),
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
