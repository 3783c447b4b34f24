package provider

import (
	"context"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces taskDataSource implements.
var (
	_ datasource.DataSource              = (*taskDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*taskDataSource)(nil)
)

// taskDeprecation is the deprecation message of the task types: v2 marks
// Coder Tasks deprecated, and so do we, with the same types still working.
const taskDeprecation = "Coder Tasks are deprecated; the task types will be removed in a future major version."

// taskDataSource is coder_task: the task the build runs for, from
// CODER_TASK_ID and CODER_TASK_PROMPT.
type taskDataSource struct{ configured }

func newTaskDataSource() datasource.DataSource { return &taskDataSource{} }

type taskModel struct {
	ID      types.String `tfsdk:"id"`
	Prompt  types.String `tfsdk:"prompt"`
	Enabled types.Bool   `tfsdk:"enabled"`
}

// Metadata implements datasource.DataSource.
func (d *taskDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_task"
}

// Schema implements datasource.DataSource.
func (d *taskDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Use this data source to learn whether the build runs for a Coder Task, and the " +
			"task's prompt. This server runs no tasks: the values come from `CODER_TASK_ID` and " +
			"`CODER_TASK_PROMPT` when the build has them.",
		DeprecationMessage: taskDeprecation,
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The task's ID (a UUID) for a task build; a random UUID otherwise.",
				Computed:            true,
			},
			"prompt": schema.StringAttribute{
				MarkdownDescription: "The task's prompt, or `\"\"` outside a task.",
				Computed:            true,
				DeprecationMessage:  taskDeprecation,
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the build runs for a task.",
				Computed:            true,
				DeprecationMessage:  taskDeprecation,
			},
		},
	}
}

// Read implements datasource.DataSource. An ID that is not a UUID is an
// error; the nil UUID means no task.
func (d *taskDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	m := taskModel{Prompt: types.StringValue(d.getenv(envTaskPrompt))}
	raw := d.getenv(envTaskID)
	switch id, err := uuid.Parse(raw); {
	case raw == "" || err == nil && id == uuid.Nil:
		m.ID, m.Enabled = types.StringValue(uuid.NewString()), types.BoolValue(false)
	case err != nil:
		resp.Diagnostics.AddError(err.Error(), "")
		return
	default:
		m.ID, m.Enabled = types.StringValue(raw), types.BoolValue(true)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
