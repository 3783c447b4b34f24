package provider

import (
	"context"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/buildenv"
	"github.com/usersecrets/coder/sdk/redact"
)

// The interfaces secretDataSource implements.
var (
	_ datasource.DataSource                     = (*secretDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*secretDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*secretDataSource)(nil)
)

// secretDataSource is coder_secret: a template's declaration that the
// workspace needs one of its owner's user secrets, matched by env target or
// by file target. On a start build the value comes from the environment
// the provisioner sets (buildenv.SecretEnv, buildenv.SecretFile) and a missing
// value fails the build; on any other run it is "", so a workspace whose
// owner deleted a secret can still stop and be deleted.
//
// The value never appears in a diagnostic: errors are built from the
// requirement (sdk.SecretRequirement) alone.
type secretDataSource struct {
	data *providerData
}

func newSecretDataSource() datasource.DataSource { return &secretDataSource{} }

type secretModel struct {
	ID          types.String `tfsdk:"id"`
	Env         types.String `tfsdk:"env"`
	File        types.String `tfsdk:"file"`
	HelpMessage types.String `tfsdk:"help_message"`
	Value       types.String `tfsdk:"value"`
}

// Metadata implements datasource.DataSource.
func (d *secretDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret"
}

// Schema implements datasource.DataSource.
func (d *secretDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Use this data source to declare that a workspace needs a user secret of its " +
			"owner, matched by environment variable name (`env`) or by file path (`file`): exactly one " +
			"of the two.\n\n" +
			"On a start build, a missing secret fails the build with `help_message` and the " +
			"`coder secret create` command that would add it. On stop and delete builds, and outside a " +
			"build, `value` is an empty string, so a workspace can always stop and be deleted.\n\n" +
			"The agent injects every user secret with a target into the workspace at run time, so most " +
			"templates only need the declaration. Reading `value` copies the secret into the Terraform " +
			"plan and state, which the server encrypts at rest.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`\"env:<name>\"` or `\"file:<path>\"`.",
				Computed:            true,
			},
			"env": schema.StringAttribute{
				MarkdownDescription: "The environment variable target the secret must have, such as " +
					"`\"GITHUB_TOKEN\"`: a letter or `_`, then letters, digits or `_`, and not a reserved name " +
					"such as `PATH`, `HOME` or `CODER_*`.",
				Optional:   true,
				Validators: []validator.String{secretEnvName()},
			},
			"file": schema.StringAttribute{
				MarkdownDescription: "The file target the secret must have, such as `\"~/.aws/credentials\"`: a " +
					"path starting with `~/` or `/`, compared as written.",
				Optional:   true,
				Validators: []validator.String{secretFilePath()},
			},
			"help_message": schema.StringAttribute{
				MarkdownDescription: "Guidance for the workspace owner when the secret is missing, shown in the " +
					"error of a start build that lacks it.",
				Required: true,
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The secret's value on a start build; an empty string on other builds and " +
					"outside a build.",
				Computed:  true,
				Sensitive: true,
			},
		},
	}
}

// ConfigValidators implements datasource.DataSourceWithConfigValidators.
func (d *secretDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("env"), path.MatchRoot("file")),
	}
}

// Configure implements datasource.DataSourceWithConfigure.
func (d *secretDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
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
func (d *secretDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		resp.Diagnostics.AddError("Provider not configured", "The coder provider was not configured; this is a bug in the provider.")
		return
	}
	var m secretModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r := sdk.SecretRequirement{
		EnvName:     m.Env.ValueString(),
		FilePath:    m.File.ValueString(),
		HelpMessage: m.HelpMessage.ValueString(),
	}
	// The config validators have run, but an empty string passes
	// ExactlyOneOf; Validate names the problem.
	if err := r.Validate(); err != nil {
		resp.Diagnostics.AddError("Invalid coder_secret", capitalize(err.Error())+".")
		return
	}
	value := d.data.getenv(r.EnvVar())
	switch {
	case value == "" && buildenv.IsWithheld(d.data.getenv(buildenv.SecretWithheld), r.EnvVar()):
		// The owner has the secret, but its value is too short to be
		// masked in build logs, so the provisioner kept it from Terraform.
		resp.Diagnostics.AddWarning("Secret value withheld from Terraform",
			"The secret for "+r.Target()+" is shorter than the "+strconv.Itoa(redact.MinBytes)+
				" bytes a value needs to be masked in build logs, so `value` is empty in this build. "+
				"The workspace still gets the secret from its agent.")
	case value == "" && isStartBuild(d.data.getenv):
		resp.Diagnostics.AddError(r.Summary(), r.Detail())
		return
	}
	m.ID = types.StringValue(r.ID())
	m.Value = types.StringValue(value)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
