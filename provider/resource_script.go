package provider

import (
	"context"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	fwpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces scriptResource implements.
var (
	_ resource.Resource                   = (*scriptResource)(nil)
	_ resource.ResourceWithValidateConfig = (*scriptResource)(nil)
)

// scriptResource is coder_script: a script the agent runs on start, on
// stop or on a cron schedule (see agent/scripts.go). It only lives in the
// state.
type scriptResource struct{}

func newScriptResource() resource.Resource { return &scriptResource{} }

type scriptModel struct {
	ID               types.String `tfsdk:"id"`
	AgentID          types.String `tfsdk:"agent_id"`
	DisplayName      types.String `tfsdk:"display_name"`
	Script           types.String `tfsdk:"script"`
	Icon             types.String `tfsdk:"icon"`
	Cron             types.String `tfsdk:"cron"`
	LogPath          types.String `tfsdk:"log_path"`
	RunOnStart       types.Bool   `tfsdk:"run_on_start"`
	RunOnStop        types.Bool   `tfsdk:"run_on_stop"`
	StartBlocksLogin types.Bool   `tfsdk:"start_blocks_login"`
	Timeout          types.Int64  `tfsdk:"timeout"`
}

var replaceBool = []planmodifier.Bool{boolplanmodifier.RequiresReplace()}

// Metadata implements resource.Resource.
func (r *scriptResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_script"
}

// Schema implements resource.Resource.
func (r *scriptResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 1,
		MarkdownDescription: "Use this resource to run a script in a workspace: when the agent starts " +
			"(after the owner's file secrets are written), when it stops, or on a cron schedule. Set at " +
			"least one of `run_on_start`, `run_on_stop` and `cron`.\n\n" +
			"Scripts of one agent run in parallel: the startup scripts all start together, and so do the " +
			"stop scripts. A script runs with the workspace's environment (secrets included) in the agent's " +
			"directory, its output (stdout and stderr) goes to the workspace's logs under its " +
			"`display_name` with every secret value masked, and it is run by the interpreter of its `#!` " +
			"line, else `/bin/sh` (PowerShell on Windows). Scripts run once per agent process: a reconnect " +
			"does not run them again.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A random ID (a UUID), made when the resource is created.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       keepString,
			},
			"agent_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `coder_agent` that runs the script.",
				Required:            true,
				PlanModifiers:       replaceString,
			},
			"display_name": schema.StringAttribute{
				MarkdownDescription: "The name the dashboard shows for the script and its logs.",
				Required:            true,
				PlanModifiers:       replaceString,
			},
			"script": schema.StringAttribute{
				MarkdownDescription: "The content of the script.",
				Required:            true,
				PlanModifiers:       replaceString,
			},
			"icon": schema.StringAttribute{
				MarkdownDescription: "A URL of an icon the dashboard shows for the script, such as " +
					"`data.coder_workspace.me.access_url + \"/icon/code.svg\"`.",
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"cron": schema.StringAttribute{
				MarkdownDescription: "A cron schedule to run the script on while the agent runs, with seconds: " +
					"six fields (second, minute, hour, day of month, month, day of week; the day of week may be " +
					"left out), in the agent's local time zone. `\"0 0 22 * * *\"` runs it at 22:00 every day. " +
					"Descriptors such as `\"@hourly\"` and `\"@every 1h30m\"` work too. The schedule starts when " +
					"the startup scripts have ended; a run that falls due while the previous one still runs is " +
					"skipped, and a run still going when the agent stops is stopped. A schedule the agent cannot " +
					"read is reported in the script's logs and never runs.",
				Optional:      true,
				Validators:    []validator.String{cronValidator{}},
				PlanModifiers: replaceString,
			},
			"log_path": schema.StringAttribute{
				MarkdownDescription: "A file the script's output is also written to, appended (created `0600`, " +
					"with missing folders), line by line as the logs get it: secret values masked. `~/` is the " +
					"agent's home directory; another relative path is relative to the agent's log directory " +
					"(`coder agent --log-dir`), else its temporary directory (`$TMPDIR`, else `/tmp`). " +
					"Environment variables are not expanded. When the file cannot be opened, the script still " +
					"runs and the agent logs a warning.",
				Optional:      true,
				PlanModifiers: replaceString,
			},
			"run_on_start": schema.BoolAttribute{
				MarkdownDescription: "Run the script when the agent starts. It should exit when it is done, to " +
					"signal that the agent is ready: the agent is `ready` when every startup script has " +
					"succeeded, `start_error` when one failed or timed out. Defaults to `false`.",
				Optional:      true,
				PlanModifiers: replaceBool,
			},
			"run_on_stop": schema.BoolAttribute{
				MarkdownDescription: "Run the script when the agent stops (SIGTERM or SIGINT, as a template's " +
					"stop sends it), before it exits. It should exit when it is done, to signal that the " +
					"workspace can stop. It runs for at most its `timeout`, or 60 seconds when it has none; the " +
					"agent exits when its stop scripts have ended, so the template should give it that long " +
					"before it kills it. Defaults to `false`.",
				Optional:      true,
				PlanModifiers: replaceBool,
			},
			"start_blocks_login": schema.BoolAttribute{
				MarkdownDescription: "Make users wait for the script to finish before they log in. Needs " +
					"`run_on_start`. The agent holds every SSH session (shell, command or terminal) opened while " +
					"such scripts run: the session's stderr says that it waits, and the session starts when they " +
					"have ended, whatever their result, with a warning on its stderr that the workspace may be " +
					"incomplete when one failed or timed out. Closing the session ends the wait; sessions opened " +
					"later are not held. (`coder ssh` itself waits for all startup scripts before it connects, up " +
					"to its `--wait`.) Defaults to `false`.",
				Optional:      true,
				PlanModifiers: replaceBool,
			},
			"timeout": schema.Int64Attribute{
				MarkdownDescription: "Seconds the script may run before it is stopped, with the processes it " +
					"started, and counted as failed (a startup script's timeout makes the agent's state " +
					"`start_error`). Zero (the default) means no limit (a stop script still stops after 60 " +
					"seconds).",
				Optional:      true,
				Validators:    []validator.Int64{int64validator.AtLeast(0)},
				PlanModifiers: replaceInt64,
			},
		},
	}
}

// ValidateConfig implements resource.ResourceWithValidateConfig: a script
// must run at some point, and only a start script can block logins.
// terraform-provider-coder v2 makes these checks at apply time; making them
// at plan time refuses the same templates, sooner.
func (r *scriptResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m scriptModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.RunOnStart.IsUnknown() || m.RunOnStop.IsUnknown() || m.Cron.IsUnknown() || m.StartBlocksLogin.IsUnknown() {
		return
	}
	start, stop := m.RunOnStart.ValueBool(), m.RunOnStop.ValueBool()
	if !start && !stop && m.Cron.ValueString() == "" {
		resp.Diagnostics.AddError("Script never runs",
			"Set at least one of run_on_start, run_on_stop or cron on this coder_script.")
	}
	if !start && m.StartBlocksLogin.ValueBool() {
		resp.Diagnostics.AddAttributeError(fwpath.Root("start_blocks_login"), "Invalid start_blocks_login",
			"start_blocks_login can only be set when run_on_start is true.")
	}
}

// Create implements resource.Resource.
func (r *scriptResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m scriptModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read implements resource.Resource: the state is the whole resource.
func (r *scriptResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update implements resource.Resource. Every argument forces replacement.
func (r *scriptResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m scriptModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Delete implements resource.Resource.
func (r *scriptResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// scriptDefaults are coder_script's defaults (see compatServer).
var scriptDefaults = sdkDefaults{
	"run_on_start":       false,
	"run_on_stop":        false,
	"start_blocks_login": false,
	"timeout":            0,
}
