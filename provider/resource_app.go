package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces appResource implements.
var (
	_ resource.Resource                   = (*appResource)(nil)
	_ resource.ResourceWithValidateConfig = (*appResource)(nil)
)

// appResource is coder_app: an app of an agent that the dashboard shows, a
// web app proxied from the workspace, an external URL, or a command run in
// a terminal. It only lives in the state, where the server reads it.
type appResource struct{}

func newAppResource() resource.Resource { return &appResource{} }

// appSlug is the syntax of an app slug: a hostname label of lower-case
// letters, digits and single hyphens, not starting or ending with one.
var appSlug = regexp.MustCompile(`^[a-z0-9](-?[a-z0-9])*$`)

// Limits of coder_app's texts (the columns the server stores them in).
const (
	appDisplayNameMax = 64
	appGroupMax       = 64
	appTooltipMax     = 2048
)

// appDefaults are coder_app's defaults (see compatServer).
var appDefaults = sdkDefaults{
	"share":    "owner",
	"open_in":  "slim-window",
	"hidden":   false,
	"external": false,
}

type appModel struct {
	ID          types.String `tfsdk:"id"`
	AgentID     types.String `tfsdk:"agent_id"`
	Command     types.String `tfsdk:"command"`
	DisplayName types.String `tfsdk:"display_name"`
	External    types.Bool   `tfsdk:"external"`
	Group       types.String `tfsdk:"group"`
	Healthcheck types.Set    `tfsdk:"healthcheck"`
	Hidden      types.Bool   `tfsdk:"hidden"`
	Icon        types.String `tfsdk:"icon"`
	OpenIn      types.String `tfsdk:"open_in"`
	Order       types.Int64  `tfsdk:"order"`
	Share       types.String `tfsdk:"share"`
	Slug        types.String `tfsdk:"slug"`
	Subdomain   types.Bool   `tfsdk:"subdomain"`
	Tooltip     types.String `tfsdk:"tooltip"`
	URL         types.String `tfsdk:"url"`
}

// Metadata implements resource.Resource.
func (r *appResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_app"
}

// Schema implements resource.Resource.
func (r *appResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 1,
		MarkdownDescription: "Use this resource to add an app to an agent: a web app served inside the " +
			"workspace and proxied by Coder (`url`), a link opened on the user's machine (`external`), or " +
			"a command run in a terminal (`command`). Every argument forces a new app when it changes.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A random ID (a UUID), made when the app is created.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       keepString,
			},
			"agent_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `coder_agent` the app belongs to.",
				Required:            true,
				PlanModifiers:       replaceString,
			},
			"command": schema.StringAttribute{
				MarkdownDescription: "A command to run in a terminal when the app opens: in a new browser tab " +
					"from the dashboard, over SSH from the CLI. Not with `url` or `subdomain`.",
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"display_name": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The name users see for the app, at most %d characters. "+
					"The dashboard shows `slug` when it is unset.", appDisplayNameMax),
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"external": schema.BoolAttribute{
				MarkdownDescription: "Open `url` on the user's machine instead of proxying it from the " +
					"workspace, for links such as `vscode://` URLs. Then `url` must have a scheme and a host, " +
					"and `healthcheck`, `command`, `subdomain` and `share` are not allowed. Defaults to `false`.",
				Optional:      true,
				PlanModifiers: replaceBool,
			},
			"group": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The name of the group the dashboard shows the app in, "+
					"at most %d characters.", appGroupMax),
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"hidden": schema.BoolAttribute{
				MarkdownDescription: "Leave the app out of the dashboard (it can still be opened by its URL). " +
					"Defaults to `false`.",
				Optional:      true,
				PlanModifiers: replaceBool,
			},
			"icon": schema.StringAttribute{
				MarkdownDescription: iconDescription,
				Optional:            true,
				Validators:          []validator.String{urlSyntax{}},
				PlanModifiers:       replaceString,
			},
			"open_in": schema.StringAttribute{
				MarkdownDescription: "Where the dashboard opens the app: `\"slim-window\"` (the default; a new " +
					"browser window without navigation controls) or `\"tab\"` (a new tab of the same window).",
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"order": schema.Int64Attribute{
				MarkdownDescription: "The position of the app in the dashboard: lowest first, apps with the same " +
					"order sorted by name.",
				Optional:      true,
				PlanModifiers: replaceInt64,
			},
			"share": schema.StringAttribute{
				MarkdownDescription: "Who may open the app: `\"owner\"` (the default; the workspace's owner " +
					"only), `\"authenticated\"` (every signed-in user) or `\"public\"` (anyone, signed in or " +
					"not). The server's configuration may allow fewer levels.",
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"slug": schema.StringAttribute{
				MarkdownDescription: "The app's name in URLs, unique within the agent: lower-case letters, " +
					"digits and hyphens, neither starting nor ending with a hyphen, never two hyphens in a row.",
				Required:      true,
				PlanModifiers: replaceString,
			},
			"subdomain": schema.BoolAttribute{
				MarkdownDescription: "Serve the app on a subdomain of its own instead of a path of the access " +
					"URL. Such apps work only where the server has a wildcard access URL. Not with `command`.",
				Optional:      true,
				PlanModifiers: replaceBool,
			},
			"tooltip": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Markdown the dashboard shows when the pointer rests on the "+
					"app, at most %d characters.", appTooltipMax),
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "The URL of the app: inside the workspace, such as " +
					"`http://localhost:8080/path`, proxied by Coder; or, with `external`, a URL opened on the " +
					"user's machine. Not with `command`.",
				Optional:      true,
				PlanModifiers: replaceString,
			},
		},
		Blocks: map[string]schema.Block{
			"healthcheck": schema.SetNestedBlock{
				MarkdownDescription: "How the agent checks that the app is ready, by HTTP requests. At most one " +
					"block; not with `command`.",
				Validators:    []validator.Set{setvalidator.SizeAtMost(1)},
				PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"url": schema.StringAttribute{
							MarkdownDescription: "The URL the agent requests. The app is healthy when the response " +
								"comes within `interval` seconds with a status below 500.",
							Required: true,
						},
						"interval": schema.Int64Attribute{
							MarkdownDescription: "Seconds between two requests.",
							Required:            true,
						},
						"threshold": schema.Int64Attribute{
							MarkdownDescription: "How many failed requests in a row make the app unhealthy.",
							Required:            true,
						},
					},
				},
			},
		},
	}
}

// iconDescription is the description of every icon argument.
const iconDescription = "The URL of an icon the dashboard shows. The server serves built-in icons under " +
	"`/icon/`: use one with `\"${data.coder_workspace.me.access_url}/icon/<name>.svg\"`."

// ValidateConfig implements resource.ResourceWithValidateConfig.
func (r *appResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m appModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if known(m.Slug) && !appSlug.MatchString(m.Slug.ValueString()) {
		resp.Diagnostics.AddAttributeError(path.Root("slug"), fmt.Sprintf(
			`invalid "coder_app" slug, must be a valid hostname (%q, cannot contain two consecutive hyphens or start/end with a hyphen): %q`,
			appSlug.String(), m.Slug.ValueString()), "")
	}
	for _, l := range []struct {
		name, what string
		v          types.String
		max        int
	}{
		{"display_name", "display name", m.DisplayName, appDisplayNameMax},
		{"group", "group name", m.Group, appGroupMax},
		{"tooltip", "tooltip", m.Tooltip, appTooltipMax},
	} {
		if known(l.v) && len(l.v.ValueString()) > l.max {
			resp.Diagnostics.AddAttributeError(path.Root(l.name),
				fmt.Sprintf("%s is too long (max %d characters)", l.what, l.max), "")
		}
	}
	if known(m.Share) {
		switch m.Share.ValueString() {
		case "owner", "authenticated", "public":
		default:
			resp.Diagnostics.AddAttributeError(path.Root("share"), fmt.Sprintf(
				`invalid app share %q, must be one of "owner", "authenticated", "public"`, m.Share.ValueString()), "")
		}
	}
	if known(m.OpenIn) {
		switch m.OpenIn.ValueString() {
		case "tab", "slim-window":
		default:
			resp.Diagnostics.AddAttributeError(path.Root("open_in"), fmt.Sprintf(
				`invalid "coder_app" open_in value, must be one of "tab", "slim-window": %q`, m.OpenIn.ValueString()), "")
		}
	}

	set := map[string]bool{
		"command":     !m.Command.IsNull(),
		"url":         !m.URL.IsNull(),
		"subdomain":   !m.Subdomain.IsNull(),
		"external":    !m.External.IsNull(),
		"share":       !m.Share.IsNull(),
		"healthcheck": !m.Healthcheck.IsNull() && len(m.Healthcheck.Elements()) > 0,
	}
	conflicts(&resp.Diagnostics, set, "command", "url", "subdomain")
	conflicts(&resp.Diagnostics, set, "url", "command")
	conflicts(&resp.Diagnostics, set, "external", "healthcheck", "command", "subdomain", "share")
	conflicts(&resp.Diagnostics, set, "healthcheck", "command")

	// An external URL is opened as it is: it needs a scheme and a host.
	if m.External.ValueBool() && !m.URL.IsUnknown() {
		if err := externalURL(m.URL.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("url"), err.Error(), "")
		}
	}
}

// conflicts adds an error for each argument in others set together with
// name, in the words of terraform-plugin-sdk's ConflictsWith.
func conflicts(diags *diag.Diagnostics, set map[string]bool, name string, others ...string) {
	if !set[name] {
		return
	}
	for _, o := range others {
		if set[o] {
			diags.AddAttributeError(path.Root(name), "Conflicting configuration arguments",
				fmt.Sprintf("%q: conflicts with %s", name, o))
		}
	}
}

// Create implements resource.Resource.
func (r *appResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m appModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	if m.Hidden.ValueBool() {
		// A hidden app shows none of these.
		for name, set := range map[string]bool{
			"display_name": m.DisplayName.ValueString() != "",
			"icon":         m.Icon.ValueString() != "",
			"order":        m.Order.ValueInt64() != 0,
		} {
			if set {
				resp.Diagnostics.AddWarning("`"+name+"` set when app is hidden", "")
			}
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read implements resource.Resource.
func (r *appResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	keepState(ctx, req, resp)
}

// Update implements resource.Resource. Every argument forces a new app.
func (r *appResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	planAsState(ctx, req, resp)
}

// Delete implements resource.Resource. Nothing outside the state exists.
func (r *appResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
