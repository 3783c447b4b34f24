package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The interfaces workspacePresetDataSource implements.
var (
	_ datasource.DataSource                   = (*workspacePresetDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*workspacePresetDataSource)(nil)
)

// workspacePresetDataSource is coder_workspace_preset: a named set of
// parameter values users can pick when they create a workspace, and the
// prebuilt workspaces kept ready for it. The server reads presets from the
// template; the data source itself only checks them.
type workspacePresetDataSource struct{}

func newWorkspacePresetDataSource() datasource.DataSource { return &workspacePresetDataSource{} }

type workspacePresetModel struct {
	ID          types.String    `tfsdk:"id"`
	Name        types.String    `tfsdk:"name"`
	Description types.String    `tfsdk:"description"`
	Icon        types.String    `tfsdk:"icon"`
	Default     types.Bool      `tfsdk:"default"`
	Parameters  types.Map       `tfsdk:"parameters"`
	Prebuilds   []prebuildModel `tfsdk:"prebuilds"`
}

type prebuildModel struct {
	Instances        types.Int64       `tfsdk:"instances"`
	ExpirationPolicy []expirationModel `tfsdk:"expiration_policy"`
	Scheduling       []schedulingModel `tfsdk:"scheduling"`
}

type expirationModel struct {
	TTL types.Int64 `tfsdk:"ttl"`
}

type schedulingModel struct {
	Timezone types.String    `tfsdk:"timezone"`
	Schedule []scheduleModel `tfsdk:"schedule"`
}

type scheduleModel struct {
	Cron      types.String `tfsdk:"cron"`
	Instances types.Int64  `tfsdk:"instances"`
}

// Limits of a prebuild's expiration TTL, in seconds (0 means none).
const (
	prebuildTTLMin = 3600
	prebuildTTLMax = 31536000
)

// Metadata implements datasource.DataSource.
func (d *workspacePresetDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace_preset"
}

// Schema implements datasource.DataSource.
func (d *workspacePresetDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Use this data source to offer a preset: a name users pick when they create a " +
			"workspace, which sets some parameters to given values, and optionally a pool of prebuilt " +
			"workspaces for it. This server makes no prebuilds; it keeps the block for compatibility and " +
			"checks it as v2 does.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The preset's `name`.",
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The preset's name, unique within the template. Not empty.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the preset is for, at most 128 characters.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtMost(128)},
			},
			"icon": schema.StringAttribute{
				MarkdownDescription: iconDescription + " At most 256 characters.",
				Optional:            true,
				Validators:          []validator.String{urlSyntax{}, stringvalidator.LengthAtMost(256)},
			},
			"default": schema.BoolAttribute{
				MarkdownDescription: "Select this preset when a user starts creating a workspace. At most one " +
					"preset of a template may be the default. Defaults to `false`.",
				Optional: true,
			},
			"parameters": schema.MapAttribute{
				MarkdownDescription: "The values the preset gives parameters, by parameter name. Names of " +
					"parameters the template does not have are allowed (templates change); values are not empty.",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.Map{mapvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
		},
		Blocks: map[string]schema.Block{
			"prebuilds": schema.SetNestedBlock{
				MarkdownDescription: "The prebuilt workspaces kept ready for the preset. At most one block.",
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"instances": schema.Int64Attribute{
							MarkdownDescription: "How many prebuilt workspaces to keep ready, at least 0.",
							Required:            true,
							Validators:          []validator.Int64{int64validator.AtLeast(0)},
						},
					},
					Blocks: map[string]schema.Block{
						"expiration_policy": schema.SetNestedBlock{
							MarkdownDescription: "When an unclaimed prebuilt workspace is replaced by a fresh one. " +
								"At most one block.",
							NestedObject: schema.NestedBlockObject{
								Attributes: map[string]schema.Attribute{
									"ttl": schema.Int64Attribute{
										MarkdownDescription: fmt.Sprintf("Seconds after which an unclaimed prebuilt "+
											"workspace expires: 0 (never) or %d to %d.", prebuildTTLMin, prebuildTTLMax),
										Required: true,
									},
								},
							},
						},
						"scheduling": schema.ListNestedBlock{
							MarkdownDescription: "Other numbers of prebuilt workspaces at given times. At most one block.",
							NestedObject: schema.NestedBlockObject{
								Attributes: map[string]schema.Attribute{
									"timezone": schema.StringAttribute{
										MarkdownDescription: "The IANA time zone of the schedules, such as `\"UTC\"` or " +
											"`\"Europe/Berlin\"`.",
										Required: true,
									},
								},
								Blocks: map[string]schema.Block{
									"schedule": schema.ListNestedBlock{
										MarkdownDescription: "A time range and the number of prebuilt workspaces in it. " +
											"At least one block; the ranges must not overlap.",
										NestedObject: schema.NestedBlockObject{
											Attributes: map[string]schema.Attribute{
												"cron": schema.StringAttribute{
													MarkdownDescription: "The hours the schedule covers, as a cron " +
														"expression `* HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK` (the minute " +
														"field is always `*`), such as `\"* 8-18 * * 1-5\"`.",
													Required: true,
												},
												"instances": schema.Int64Attribute{
													MarkdownDescription: "How many prebuilt workspaces to keep ready " +
														"while the schedule is active.",
													Required: true,
												},
											},
										},
									},
								},
							},
						},
					},
				},
			},
		},
	}
}

// ValidateConfig implements datasource.DataSourceWithValidateConfig.
func (d *workspacePresetDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m workspacePresetModel
	if diags := req.Config.Get(ctx, &m); diags.HasError() {
		return // blocks not known yet (dynamic blocks): Read checks them
	}
	for _, p := range m.Prebuilds {
		for _, e := range p.ExpirationPolicy {
			if !known(e.TTL) {
				continue
			}
			if ttl := e.TTL.ValueInt64(); ttl != 0 && (ttl < prebuildTTLMin || ttl > prebuildTTLMax) {
				resp.Diagnostics.AddAttributeError(path.Root("prebuilds"), fmt.Sprintf(
					"%q must be 0 or between %d and %d, got %d", "prebuilds.0.expiration_policy.0.ttl",
					prebuildTTLMin, prebuildTTLMax, ttl), "")
			}
		}
		for _, s := range p.Scheduling {
			if known(s.Timezone) {
				if _, err := time.LoadLocation(s.Timezone.ValueString()); err != nil {
					resp.Diagnostics.AddAttributeError(path.Root("prebuilds"), fmt.Sprintf(
						"failed to load timezone %q: %s", s.Timezone.ValueString(), err), "")
				}
			}
			for _, sc := range s.Schedule {
				if !known(sc.Cron) {
					continue
				}
				if _, err := parseHourSchedule(sc.Cron.ValueString()); err != nil {
					resp.Diagnostics.AddAttributeError(path.Root("prebuilds"),
						"cron spec failed validation: "+err.Error(), "")
				}
			}
		}
	}
}

// Read implements datasource.DataSource: the preset as configured, its id
// its name, after a check that no two schedules overlap.
func (d *workspacePresetDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m workspacePresetModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, p := range m.Prebuilds {
		for _, s := range p.Scheduling {
			var crons []string
			for _, sc := range s.Schedule {
				crons = append(crons, sc.Cron.ValueString())
			}
			if err := schedulesOverlap(crons); err != nil {
				resp.Diagnostics.AddError("schedules overlap with each other: "+err.Error(), "")
				return
			}
		}
	}
	if m.Default.IsNull() {
		m.Default = types.BoolValue(false)
	}
	emptyToNull(&m.Description, &m.Icon)
	m.ID = m.Name
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// hourSchedule is a parsed prebuild schedule: the hours, days of month,
// months and days of week it covers.
type hourSchedule struct {
	hours, doms, months, dows map[int]bool
	anyDom, anyDow            bool
}

// parseHourSchedule parses "* HOUR DOM MONTH DOW": standard cron fields
// (numbers, ranges, lists, steps, *), with the minute field always *.
func parseHourSchedule(spec string) (hourSchedule, error) {
	f := strings.Fields(spec)
	if len(f) != 5 {
		return hourSchedule{}, fmt.Errorf("cron specification should consist of 5 fields")
	}
	if f[0] != "*" {
		return hourSchedule{}, fmt.Errorf("minute field should be *")
	}
	var s hourSchedule
	var err error
	for _, fl := range []struct {
		src      string
		min, max int
		dst      *map[int]bool
	}{
		{f[1], 0, 23, &s.hours}, {f[2], 1, 31, &s.doms}, {f[3], 1, 12, &s.months}, {f[4], 0, 6, &s.dows},
	} {
		if *fl.dst, err = cronField(fl.src, fl.min, fl.max); err != nil {
			return hourSchedule{}, fmt.Errorf("failed to parse cron spec %q: %w", spec, err)
		}
	}
	s.anyDom, s.anyDow = f[2] == "*", f[4] == "*"
	return s, nil
}

// cronField parses one cron field into the values it covers.
func cronField(field string, min, max int) (map[int]bool, error) {
	out := map[int]bool{}
	for _, part := range strings.Split(field, ",") {
		rng, stepStr, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("invalid step %q", stepStr)
			}
			step = n
		}
		lo, hi := min, max
		if rng != "*" {
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if lo, err = strconv.Atoi(a); err != nil {
				return nil, fmt.Errorf("invalid value %q", a)
			}
			hi = lo
			if isRange {
				if hi, err = strconv.Atoi(b); err != nil {
					return nil, fmt.Errorf("invalid value %q", b)
				}
			} else if hasStep {
				hi = max
			}
		}
		if lo < min || hi > max || lo > hi {
			return nil, fmt.Errorf("%q is out of range %d-%d", part, min, max)
		}
		for v := lo; v <= hi; v += step {
			out[v] = true
		}
	}
	return out, nil
}

// schedulesOverlap returns an error naming the first two schedules that
// cover a common hour.
func schedulesOverlap(specs []string) error {
	parsed := make([]hourSchedule, len(specs))
	for i, spec := range specs {
		s, err := parseHourSchedule(spec)
		if err != nil {
			return fmt.Errorf("invalid schedule: %w", err)
		}
		parsed[i] = s
	}
	for i := range parsed {
		for j := i + 1; j < len(parsed); j++ {
			a, b := parsed[i], parsed[j]
			if intersect(a.months, b.months) && intersect(a.hours, b.hours) && daysOverlap(a, b) {
				return fmt.Errorf("schedules overlap: %s and %s", specs[i], specs[j])
			}
		}
	}
	return nil
}

// daysOverlap reports whether two schedules share a day. As in cron, a
// schedule that restricts both the day of month and the day of week runs
// on the days that match either.
func daysOverlap(a, b hourSchedule) bool {
	switch {
	case a.anyDom && a.anyDow || b.anyDom && b.anyDow:
		return true
	case a.anyDom && b.anyDom:
		return intersect(a.dows, b.dows)
	case a.anyDow && b.anyDow:
		return intersect(a.doms, b.doms)
	}
	// Day of month against day of week: some month has both.
	return true
}

func intersect(a, b map[int]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}
