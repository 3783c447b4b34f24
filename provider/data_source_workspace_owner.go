package provider

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces workspaceOwnerDataSource implements.
var (
	_ datasource.DataSource              = (*workspaceOwnerDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*workspaceOwnerDataSource)(nil)
)

// workspaceOwnerDataSource is coder_workspace_owner: the user who owns the
// workspace being built, from the build's environment.
type workspaceOwnerDataSource struct {
	data *providerData
}

func newWorkspaceOwnerDataSource() datasource.DataSource { return &workspaceOwnerDataSource{} }

type workspaceOwnerModel struct {
	ID              types.String `tfsdk:"id"`
	Name            types.String `tfsdk:"name"`
	FullName        types.String `tfsdk:"full_name"`
	Email           types.String `tfsdk:"email"`
	SSHPublicKey    types.String `tfsdk:"ssh_public_key"`
	SSHPrivateKey   types.String `tfsdk:"ssh_private_key"`
	Groups          types.List   `tfsdk:"groups"`
	SessionToken    types.String `tfsdk:"session_token"`
	OIDCAccessToken types.String `tfsdk:"oidc_access_token"`
	OIDCIDToken     types.String `tfsdk:"oidc_id_token"`
	LoginType       types.String `tfsdk:"login_type"`
	RBACRoles       types.List   `tfsdk:"rbac_roles"`
}

// rbacRoleType is the element type of rbac_roles.
var rbacRoleType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"name":   types.StringType,
	"org_id": types.StringType,
}}

// Metadata implements datasource.DataSource.
func (d *workspaceOwnerDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace_owner"
}

// Schema implements datasource.DataSource.
func (d *workspaceOwnerDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Use this data source to get information about the owner of the workspace " +
			"being built. Outside a build (a local `terraform plan`), it holds placeholder values.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The owner's user ID (a UUID). A random UUID outside a build.",
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The owner's username. `\"default\"` outside a build.",
				Computed:            true,
			},
			"full_name": schema.StringAttribute{
				MarkdownDescription: "The owner's full name. `\"default\"` when it is not set.",
				Computed:            true,
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "The owner's email address. `\"default@example.com\"` outside a build.",
				Computed:            true,
			},
			"ssh_public_key": schema.StringAttribute{
				MarkdownDescription: "The owner's SSH public key for Git, when the server made one.",
				Computed:            true,
			},
			"ssh_private_key": schema.StringAttribute{
				MarkdownDescription: "The owner's SSH private key for Git, when the server made one.",
				Computed:            true,
				Sensitive:           true,
			},
			"groups": schema.ListAttribute{
				MarkdownDescription: "The names of the groups the owner belongs to.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"session_token": schema.StringAttribute{
				MarkdownDescription: "A session token of the owner for the Coder API, when the server gives " +
					"one to the build; renewed on every start.",
				Computed:  true,
				Sensitive: true,
			},
			"oidc_access_token": schema.StringAttribute{
				MarkdownDescription: "The owner's OpenID Connect access token, when they logged in with OIDC; " +
					"else empty.",
				Computed:  true,
				Sensitive: true,
			},
			"oidc_id_token": schema.StringAttribute{
				MarkdownDescription: "The owner's OpenID Connect ID token, when they logged in with OIDC; " +
					"else empty. An extension of this provider: terraform-provider-coder v2.20 has no such attribute.",
				Computed:  true,
				Sensitive: true,
			},
			"login_type": schema.StringAttribute{
				MarkdownDescription: "How the owner logs in, such as `\"password\"`. Null when unknown.",
				Computed:            true,
			},
			"rbac_roles": schema.ListAttribute{
				MarkdownDescription: "The roles the owner has: objects of `name` (the role's name) and `org_id` " +
					"(the ID of the organization the role applies to, empty for a site-wide role).",
				ElementType: rbacRoleType,
				Computed:    true,
			},
		},
	}
}

// Configure implements datasource.DataSourceWithConfigure.
func (d *workspaceOwnerDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
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
func (d *workspaceOwnerDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		resp.Diagnostics.AddError("Provider not configured", "The coder provider was not configured; this is a bug in the provider.")
		return
	}
	getenv := d.data.getenv
	m := workspaceOwnerModel{
		ID:              types.StringValue(envOr(getenv, envOwnerID, uuid.NewString())),
		Name:            types.StringValue(envOr(getenv, envOwner, "default")),
		FullName:        types.StringValue(envOr(getenv, envOwnerName, "default")),
		Email:           types.StringValue(envOr(getenv, envOwnerEmail, "default@example.com")),
		SSHPublicKey:    types.StringValue(getenv(envOwnerSSHPublicKey)),
		SSHPrivateKey:   types.StringValue(getenv(envOwnerSSHPrivateKey)),
		SessionToken:    types.StringValue(getenv(envOwnerSessionToken)),
		OIDCAccessToken: types.StringValue(getenv(envOwnerOIDCAccessToken)),
		OIDCIDToken:     types.StringValue(getenv(envOwnerOIDCIDToken)),
		LoginType:       stringOrNull(getenv(envOwnerLoginType)),
	}

	groups := []string{}
	if raw := getenv(envOwnerGroups); raw != "" {
		if err := json.Unmarshal([]byte(raw), &groups); err != nil {
			resp.Diagnostics.AddError("Invalid owner groups",
				envOwnerGroups+" must be a JSON array of strings: "+err.Error()+".")
			return
		}
	}
	groupList, diags := types.ListValueFrom(ctx, types.StringType, groups)
	resp.Diagnostics.Append(diags...)
	m.Groups = groupList

	roles := []struct {
		Name  string `json:"name" tfsdk:"name"`
		OrgID string `json:"org_id" tfsdk:"org_id"`
	}{}
	if raw := getenv(envOwnerRBACRoles); raw != "" {
		if err := json.Unmarshal([]byte(raw), &roles); err != nil {
			resp.Diagnostics.AddError("Invalid owner roles",
				envOwnerRBACRoles+` must be a JSON array of {"name", "org_id"} objects: `+err.Error()+".")
			return
		}
	}
	roleList, diags := types.ListValueFrom(ctx, rbacRoleType, roles)
	resp.Diagnostics.Append(diags...)
	m.RBACRoles = roleList
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
