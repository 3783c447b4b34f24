package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// configured holds the provider's data for a data source or resource that
// reads the build's environment; embed it to get Configure.
type configured struct {
	data *providerData
}

// Configure implements datasource.DataSourceWithConfigure.
func (c *configured) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, err := configuredData(req.ProviderData)
	if err != nil {
		resp.Diagnostics.AddError("Provider misconfigured", err.Error())
		return
	}
	if data != nil {
		c.data = data
	}
}

// configuredResource is configured for resources.
type configuredResource struct {
	data *providerData
}

// Configure implements resource.ResourceWithConfigure.
func (c *configuredResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, err := configuredData(req.ProviderData)
	if err != nil {
		resp.Diagnostics.AddError("Provider misconfigured", err.Error())
		return
	}
	if data != nil {
		c.data = data
	}
}

// getenv reads the build's environment; before Configure, it reads nothing.
func (c *configured) getenv(name string) string {
	if c.data == nil {
		return ""
	}
	return c.data.getenv(name)
}

// getenv reads the build's environment; before Configure, it reads nothing.
func (c *configuredResource) getenv(name string) string {
	if c.data == nil {
		return ""
	}
	return c.data.getenv(name)
}
