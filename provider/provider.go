// Package provider is the Terraform provider coder/coder: every resource
// and data source of terraform-provider-coder v2.20.0 that workspace
// templates use (coder_agent, coder_app, coder_parameter, coder_metadata,
// ...), plus our data source coder_secret. It is written on
// terraform-plugin-framework, speaks plugin protocol 6, and keeps the
// attribute names, types, defaults, checks and states of the reference
// (see compatServer for the conventions of terraform-plugin-sdk it
// follows) so that templates written for it plan and apply unchanged.
//
// The same `coder` binary serves it: see IsPluginInvocation and Serve. The
// provider reads everything it needs from the environment the provisioner
// gives Terraform (SPEC.md section 5); it never calls the server.
package provider

import (
	"context"
	"fmt"
	"net/url"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TypeName is the provider's type name, the prefix of every resource and
// data source type.
const TypeName = "coder"

// DefaultURL is the access URL used when neither the provider's url setting
// nor CODER_AGENT_URL gives one (a local `terraform plan` of a template).
// It is the server's default listen address.
const DefaultURL = "http://127.0.0.1:3000"

var _ provider.Provider = (*coderProvider)(nil)

// coderProvider is the provider. lookupEnv reads the environment Terraform
// gave the plugin; tests replace it to run in parallel.
type coderProvider struct {
	version   string
	lookupEnv func(string) (string, bool)
}

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	// accessURL is the URL of the Coder deployment.
	accessURL *url.URL
	// getenv reads the build's environment ("" for an unset variable).
	getenv func(string) string
	// lookupEnv reads the build's environment, telling unset from empty.
	lookupEnv func(string) (string, bool)
}

type providerModel struct {
	URL types.String `tfsdk:"url"`
}

// New returns the provider factory that providerserver expects. version is
// the binary's version; it is reported to Terraform. lookupEnv reads the
// environment Terraform gave the plugin (os.LookupEnv, passed in by the cli).
func New(version string, lookupEnv func(string) (string, bool)) func() provider.Provider {
	return newWithEnv(version, lookupEnv)
}

// newWithEnv is New.
func newWithEnv(version string, lookupEnv func(string) (string, bool)) func() provider.Provider {
	return func() provider.Provider {
		return &coderProvider{version: version, lookupEnv: lookupEnv}
	}
}

// getenv reads the environment, "" for an unset variable.
func (p *coderProvider) getenv(name string) string {
	v, _ := p.lookupEnv(name)
	return v
}

// Metadata implements provider.Provider.
func (p *coderProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = TypeName
	resp.Version = p.version
}

// Schema implements provider.Provider.
func (p *coderProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `coder` provider describes a Coder workspace to the Coder server that " +
			"builds it: its agents (`coder_agent`), their environment (`coder_env`) and scripts " +
			"(`coder_script`), and what the build knows about the workspace (`coder_workspace`), its " +
			"owner (`coder_workspace_owner`) and the owner's user secrets (`coder_secret`).\n\n" +
			"The Coder server serves this provider from its own binary and installs it from a local " +
			"mirror, so templates need no registry access for it. It reads the build's details from " +
			"the `CODER_*` environment variables the server gives Terraform; with none of them set " +
			"(a local `terraform plan`), it uses placeholder values.",
		Attributes: map[string]schema.Attribute{
			"url": schema.StringAttribute{
				MarkdownDescription: "The URL to access Coder. Defaults to the `CODER_AGENT_URL` environment " +
					"variable, then to `" + DefaultURL + "`.",
				Optional:   true,
				Validators: []validator.String{accessURLValidator{}},
			},
		},
	}
}

// Configure implements provider.Provider.
func (p *coderProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	raw := cfg.URL.ValueString()
	source := "the url setting"
	if cfg.URL.IsNull() || cfg.URL.IsUnknown() || raw == "" {
		raw, source = p.getenv(envAgentURL), envAgentURL
	}
	if raw == "" {
		raw, source = DefaultURL, "the default"
	}
	u, err := parseAccessURL(raw)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("url"), "Invalid Coder URL",
			fmt.Sprintf("The URL from %s is invalid: %s.", source, err))
		return
	}
	data := &providerData{accessURL: u, getenv: p.getenv, lookupEnv: p.lookupEnv}
	resp.DataSourceData = data
	resp.ResourceData = data
}

// Resources implements provider.Provider.
func (p *coderProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newAgentResource,
		newAgentInstanceResource,
		newAITaskResource,
		newAppResource,
		newDevcontainerResource,
		newEnvResource,
		newExternalAgentResource,
		newMetadataResource,
		newScriptResource,
	}
}

// DataSources implements provider.Provider.
func (p *coderProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newExternalAuthDataSource,
		newParameterDataSource,
		newProvisionerDataSource,
		newScriptOrderDataSource,
		newSecretDataSource,
		newTaskDataSource,
		newWorkspaceDataSource,
		newWorkspaceOwnerDataSource,
		newWorkspacePresetDataSource,
		newWorkspaceTagsDataSource,
	}
}

// parseAccessURL parses an absolute http or https URL.
func parseAccessURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q must start with http:// or https://", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	return u, nil
}

// configuredData turns the ProviderData of a Configure request into the
// provider's data. It returns nil (and no error) before the provider is
// configured, which happens during validation.
func configuredData(raw any) (*providerData, error) {
	if raw == nil {
		return nil, nil
	}
	d, ok := raw.(*providerData)
	if !ok {
		return nil, fmt.Errorf("unexpected provider data of type %T; this is a bug in the provider", raw)
	}
	return d, nil
}
