package provider

import (
	"context"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	fwpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/usersecrets/coder/sdk/buildenv"
)

// The interfaces agentResource implements.
var (
	_ resource.Resource                   = (*agentResource)(nil)
	_ resource.ResourceWithConfigure      = (*agentResource)(nil)
	_ resource.ResourceWithValidateConfig = (*agentResource)(nil)
)

// agentResource is coder_agent: a workspace agent. The provider makes its
// token (random, sensitive, kept for the life of the resource) and its
// init_script (the server's bootstrap script for the agent's os and arch).
type agentResource struct {
	data *providerData
}

func newAgentResource() resource.Resource { return &agentResource{} }

// agentModel is coder_agent's state. Blocks stay types.List: the provider
// only reads metadata keys and volume paths (in ValidateConfig).
type agentModel struct {
	ID                    types.String `tfsdk:"id"`
	OS                    types.String `tfsdk:"os"`
	Arch                  types.String `tfsdk:"arch"`
	Auth                  types.String `tfsdk:"auth"`
	Dir                   types.String `tfsdk:"dir"`
	Env                   types.Map    `tfsdk:"env"`
	StartupScript         types.String `tfsdk:"startup_script"`
	StartupScriptBehavior types.String `tfsdk:"startup_script_behavior"`
	ShutdownScript        types.String `tfsdk:"shutdown_script"`
	ConnectionTimeout     types.Int64  `tfsdk:"connection_timeout"`
	MOTDFile              types.String `tfsdk:"motd_file"`
	TroubleshootingURL    types.String `tfsdk:"troubleshooting_url"`
	Order                 types.Int64  `tfsdk:"order"`
	APIKeyScope           types.String `tfsdk:"api_key_scope"`
	Token                 types.String `tfsdk:"token"`
	InitScript            types.String `tfsdk:"init_script"`
	Metadata              types.List   `tfsdk:"metadata"`
	DisplayApps           types.Set    `tfsdk:"display_apps"`
	ResourcesMonitoring   types.Set    `tfsdk:"resources_monitoring"`
}

// agentMetadataModel is one metadata block.
type agentMetadataModel struct {
	Key         types.String `tfsdk:"key"`
	DisplayName types.String `tfsdk:"display_name"`
	Script      types.String `tfsdk:"script"`
	Interval    types.Int64  `tfsdk:"interval"`
	Timeout     types.Int64  `tfsdk:"timeout"`
	Order       types.Int64  `tfsdk:"order"`
}

// agentVolumeModel is one volume block of resources_monitoring.
type agentVolumeModel struct {
	Path      types.String `tfsdk:"path"`
	Enabled   types.Bool   `tfsdk:"enabled"`
	Threshold types.Int64  `tfsdk:"threshold"`
}

// Every argument of coder_agent forces a new agent, as in v2: an agent's
// identity and token belong to one configuration.
var (
	replaceString = []planmodifier.String{stringplanmodifier.RequiresReplace()}
	replaceList   = []planmodifier.List{listplanmodifier.RequiresReplace()}
	replaceSet    = []planmodifier.Set{setplanmodifier.RequiresReplace()}
	keepString    = []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
)

// Metadata implements resource.Resource.
func (r *agentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent"
}

// Schema implements resource.Resource.
func (r *agentResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 1,
		MarkdownDescription: "Use this resource to associate an agent with a workspace. Start the agent " +
			"inside the workspace's compute resource with `init_script`, and give it `token` in the " +
			"`CODER_AGENT_TOKEN` environment variable. Every argument forces a new agent when it changes.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The agent's ID (a UUID), made when the agent is created.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       keepString,
			},
			"os": schema.StringAttribute{
				MarkdownDescription: "The operating system the agent runs on: `\"linux\"`, `\"darwin\"` or `\"windows\"`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf("linux", "darwin", "windows")},
				PlanModifiers:       replaceString,
			},
			"arch": schema.StringAttribute{
				MarkdownDescription: "The architecture the agent runs on: `\"amd64\"`, `\"armv7\"` or `\"arm64\"`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf("amd64", "armv7", "arm64")},
				PlanModifiers:       replaceString,
			},
			"auth": schema.StringAttribute{
				MarkdownDescription: "How the agent authenticates: `\"token\"` (the default), " +
					"`\"google-instance-identity\"`, `\"aws-instance-identity\"` or `\"azure-instance-identity\"`.",
				Optional: true,
				Validators: []validator.String{stringvalidator.OneOf(
					"token", "google-instance-identity", "aws-instance-identity", "azure-instance-identity")},
				PlanModifiers: replaceString,
			},
			"dir": schema.StringAttribute{
				MarkdownDescription: "The directory a new shell session starts in. Defaults to `\"$HOME\"`.",
				Optional:            true,
				PlanModifiers:       replaceString,
			},
			"env": schema.MapAttribute{
				MarkdownDescription: "Environment variables to set in the workspace: in every startup script, " +
					"shell, SSH session, terminal and app. `coder_env` resources and the owner's user secrets " +
					"take precedence over these.",
				ElementType:   types.StringType,
				Optional:      true,
				Validators:    []validator.Map{mapvalidator.KeysAre(envNameSyntax())},
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"startup_script": schema.StringAttribute{
				MarkdownDescription: "A script to run after the agent starts, after the owner's file secrets are " +
					"written. It should exit when it is done, to signal that the agent is ready. An alias for a " +
					"`coder_script` with `run_on_start = true`.",
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"startup_script_behavior": schema.StringAttribute{
				MarkdownDescription: "How `startup_script` affects logins: `\"blocking\"` (users wait until it " +
					"exits) or `\"non-blocking\"` (the default; the workspace is ready at once). An alias for " +
					"`start_blocks_login` of a `coder_script`.",
				Optional:      true,
				Validators:    []validator.String{stringvalidator.OneOf("blocking", "non-blocking")},
				PlanModifiers: replaceString,
			},
			"shutdown_script": schema.StringAttribute{
				MarkdownDescription: "A script to run before the agent stops. It should exit when it is done, to " +
					"signal that the workspace can stop. An alias for a `coder_script` with `run_on_stop = true`.",
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"connection_timeout": schema.Int64Attribute{
				MarkdownDescription: "Seconds until the agent is marked as timed out when it cannot reach the " +
					"server. Zero never marks it as timed out. Defaults to `120`.",
				Optional:      true,
				Validators:    []validator.Int64{int64validator.AtLeast(0)},
				PlanModifiers: replaceInt64,
			},
			"motd_file": schema.StringAttribute{
				MarkdownDescription: "The path of a file in the workspace whose contents are shown to users " +
					"when they log in with SSH, such as `\"/etc/motd\"`.",
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"troubleshooting_url": schema.StringAttribute{
				MarkdownDescription: "A URL to a document with instructions for troubleshooting the agent.",
				Optional:            true,
				PlanModifiers:       replaceString,
			},
			"order": schema.Int64Attribute{
				MarkdownDescription: "The position of the agent in the dashboard: lowest first, agents with " +
					"the same order sorted by name.",
				Optional:      true,
				PlanModifiers: replaceInt64,
			},
			"api_key_scope": schema.StringAttribute{
				MarkdownDescription: "Which API routes the agent token may use: `\"all\"` (the default) or " +
					"`\"no_user_data\"` (no routes that return the owner's data, such as external auth tokens " +
					"and Git SSH keys).",
				Optional:      true,
				Validators:    []validator.String{stringvalidator.OneOf("all", "no_user_data")},
				PlanModifiers: replaceString,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The agent's secret token. Set the `CODER_AGENT_TOKEN` environment variable " +
					"of the agent to it. Made at random when the agent is created and kept until it is replaced.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: keepString,
			},
			"init_script": schema.StringAttribute{
				MarkdownDescription: "The script that downloads and starts the agent: run it when the workspace's " +
					"compute resource starts. It is the server's bootstrap script for `os` and `arch` " +
					"(`CODER_AGENT_SCRIPT_<os>_<arch>`), empty outside a build.",
				Computed:      true,
				PlanModifiers: keepString,
			},
		},
		Blocks: map[string]schema.Block{
			"metadata": schema.ListNestedBlock{
				MarkdownDescription: "Each `metadata` block defines one item the dashboard shows for the agent: " +
					"the output of a script, refreshed periodically.",
				PlanModifiers: replaceList,
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"key": schema.StringAttribute{
							MarkdownDescription: "The key of this item, unique within the agent.",
							Required:            true,
						},
						"display_name": schema.StringAttribute{
							MarkdownDescription: "The name users see for this item.",
							Optional:            true,
						},
						"script": schema.StringAttribute{
							MarkdownDescription: "The script whose output is the item's value.",
							Required:            true,
						},
						"interval": schema.Int64Attribute{
							MarkdownDescription: "How often, in seconds, the value is refreshed.",
							Required:            true,
						},
						"timeout": schema.Int64Attribute{
							MarkdownDescription: "The longest time, in seconds, the script may run.",
							Optional:            true,
						},
						"order": schema.Int64Attribute{
							MarkdownDescription: "The position of the item: lowest first, items with the same " +
								"order sorted by key.",
							Optional: true,
						},
					},
				},
			},
			"display_apps": schema.SetNestedBlock{
				MarkdownDescription: "The built-in apps the dashboard shows for the agent. At most one block; " +
					"without it, every app has its default.",
				PlanModifiers: replaceSet,
				Validators:    []validator.Set{setvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"vscode":                 displayApp("the VS Code Desktop app", true),
						"vscode_insiders":        displayApp("the VS Code Insiders app", false),
						"web_terminal":           displayApp("the web terminal", true),
						"ssh_helper":             displayApp("the SSH helper", true),
						"port_forwarding_helper": displayApp("the port-forwarding helper", true),
					},
				},
			},
			"resources_monitoring": schema.SetNestedBlock{
				MarkdownDescription: "Alerts on the workspace's memory and volume usage. At most one block.",
				PlanModifiers:       replaceSet,
				Validators:          []validator.Set{setvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{
					Blocks: map[string]schema.Block{
						"memory": schema.SetNestedBlock{
							MarkdownDescription: "Memory monitoring. At most one block.",
							Validators:          []validator.Set{setvalidator.SizeAtMost(1)},
							NestedObject: schema.NestedBlockObject{
								Attributes: map[string]schema.Attribute{
									"enabled":   monitorEnabled("memory"),
									"threshold": monitorThreshold("memory"),
								},
							},
						},
						"volume": schema.SetNestedBlock{
							MarkdownDescription: "Monitoring of one volume. One block per volume.",
							NestedObject: schema.NestedBlockObject{
								Attributes: map[string]schema.Attribute{
									"path": schema.StringAttribute{
										MarkdownDescription: "The absolute path of the volume, unique within the agent.",
										Required:            true,
									},
									"enabled":   monitorEnabled("volume"),
									"threshold": monitorThreshold("volume"),
								},
							},
						},
					},
				},
			},
		},
	}
}

var replaceInt64 = []planmodifier.Int64{int64planmodifier.RequiresReplace()}

// displayApp is one boolean of the display_apps block.
func displayApp(what string, def bool) schema.BoolAttribute {
	d := "false"
	if def {
		d = "true"
	}
	return schema.BoolAttribute{
		MarkdownDescription: "Show " + what + " in the dashboard. Defaults to `" + d + "`.",
		Optional:            true,
	}
}

func monitorEnabled(what string) schema.BoolAttribute {
	return schema.BoolAttribute{
		MarkdownDescription: "Whether " + what + " usage is monitored.",
		Required:            true,
	}
}

func monitorThreshold(what string) schema.Int64Attribute {
	return schema.Int64Attribute{
		MarkdownDescription: "The " + what + " usage, in percent (0 to 100), above which an alert is raised.",
		Required:            true,
		Validators:          []validator.Int64{int64validator.Between(0, 100)},
	}
}

// Configure implements resource.ResourceWithConfigure.
func (r *agentResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, err := configuredData(req.ProviderData)
	if err != nil {
		resp.Diagnostics.AddError("Provider misconfigured", err.Error())
		return
	}
	if data != nil {
		r.data = data
	}
}

// ValidateConfig implements resource.ResourceWithValidateConfig: metadata
// keys and monitored volume paths must be unique, volume paths absolute.
func (r *agentResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var metadata []agentMetadataModel
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, fwpath.Root("metadata"), &metadata)...)
	seen := map[string]bool{}
	for i, m := range metadata {
		if m.Key.IsNull() || m.Key.IsUnknown() {
			continue
		}
		k := m.Key.ValueString()
		if seen[k] {
			resp.Diagnostics.AddAttributeError(fwpath.Root("metadata").AtListIndex(i).AtName("key"),
				"Duplicate agent metadata key", "The metadata key "+quote(k)+" is used more than once.")
		}
		seen[k] = true
	}

	var monitoring []struct {
		Memory types.Set          `tfsdk:"memory"`
		Volume []agentVolumeModel `tfsdk:"volume"`
	}
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, fwpath.Root("resources_monitoring"), &monitoring)...)
	for _, m := range monitoring {
		paths := map[string]bool{}
		for _, v := range m.Volume {
			if v.Path.IsNull() || v.Path.IsUnknown() {
				continue
			}
			at := fwpath.Root("resources_monitoring")
			p := v.Path.ValueString()
			switch {
			case p == "" || !path.IsAbs(p) && !isWindowsAbs(p):
				resp.Diagnostics.AddAttributeError(at, "Invalid volume path", "The volume path "+quote(p)+" must be absolute.")
			case paths[p]:
				resp.Diagnostics.AddAttributeError(at, "Duplicate volume path", "The volume path "+quote(p)+" is monitored more than once.")
			}
			paths[p] = true
		}
	}
}

// Create implements resource.Resource: it makes the agent's id and token
// and fills init_script.
func (r *agentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m agentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	// A random UUID (122 random bits from crypto/rand), the token format of
	// terraform-provider-coder v2; the server keeps only its hash.
	m.Token = types.StringValue(uuid.NewString())
	// A claimed prebuilt workspace keeps the token of its running agent.
	if r.data != nil {
		if t := r.data.getenv(buildenv.RunningAgentToken("")); t != "" {
			m.Token = types.StringValue(t)
		}
	}
	m.InitScript = types.StringValue(r.initScript(m))
	if r.data != nil {
		announceToken(r.data.getenv(buildenv.AgentTokenHashes), m.Token.ValueString())
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// announceToken appends the token's hash to the server's file (see
// buildenv.AgentTokenHashes) when the build names one. It only spares the
// agent a few refused requests, so a failure is not the build's.
func announceToken(file, token string) {
	if file == "" {
		return
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	_, _ = f.WriteString(buildenv.AgentTokenHash(token) + "\n")
	_ = f.Close()
}

// Read implements resource.Resource. The token never changes; init_script
// follows the bootstrap script of the current build, as in v2.
func (r *agentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m agentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.InitScript = types.StringValue(r.initScript(m))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Update implements resource.Resource. Every argument forces replacement,
// so Terraform never asks for an update; if it did, the plan (which keeps
// id, token and init_script from the state) is the new state.
func (r *agentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m agentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Delete implements resource.Resource. Nothing outside the state exists.
func (r *agentResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// initScript returns the bootstrap script for the agent's os and arch with
// ${ACCESS_URL} and ${AUTH_TYPE} filled in, or "" when the environment has
// none (a local plan).
func (r *agentResource) initScript(m agentModel) string {
	if r.data == nil {
		return ""
	}
	script := r.data.getenv(envAgentScriptPrefix + m.OS.ValueString() + "_" + m.Arch.ValueString())
	if script == "" {
		return ""
	}
	accessURL := r.data.accessURL.ResolveReference(&urlRoot).String()
	script = strings.ReplaceAll(script, "${ACCESS_URL}", accessURL)
	return strings.ReplaceAll(script, "${AUTH_TYPE}", m.Auth.ValueString())
}

// urlRoot resolves against the access URL to its root, the form v2 gives
// ${ACCESS_URL} ("https://coder.example.com/").
var urlRoot = url.URL{Path: "/"}

// quote quotes s for a diagnostic.
func quote(s string) string { return strconv.Quote(s) }

// isWindowsAbs reports whether p is an absolute Windows path such as C:\x.
func isWindowsAbs(p string) bool {
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') &&
		(p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z')
}

// agentDefaults are coder_agent's defaults (see compatServer). Without a
// display_apps block, the agent stores one of the defaults, and unset
// arguments of metadata blocks are stored as zero values.
var agentDefaults = sdkDefaults{
	"auth":                    "token",
	"startup_script_behavior": "non-blocking",
	"connection_timeout":      120,
	"api_key_scope":           "all",
	"display_apps": sdkBlock{
		"vscode": true, "vscode_insiders": false, "web_terminal": true,
		"ssh_helper": true, "port_forwarding_helper": true,
	},
	"display_apps.vscode":                 true,
	"display_apps.vscode_insiders":        false,
	"display_apps.web_terminal":           true,
	"display_apps.ssh_helper":             true,
	"display_apps.port_forwarding_helper": true,
	"metadata.display_name":               sdkZero{""},
	"metadata.timeout":                    sdkZero{0},
	"metadata.order":                      sdkZero{0},
}
