package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/buildenv"
)

// The interfaces parameterDataSource implements.
var (
	_ datasource.DataSource                   = (*parameterDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*parameterDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*parameterDataSource)(nil)
)

// parameterDataSource is coder_parameter: a value the user chooses for a
// workspace. Its value is the build's (CODER_PARAMETER_<sha256 of the
// name>), else the default; either must be valid for the parameter's type,
// options and validation block, or the read fails with the errors of v2.
type parameterDataSource struct{ configured }

func newParameterDataSource() datasource.DataSource { return &parameterDataSource{} }

type parameterModel struct {
	ID          types.String               `tfsdk:"id"`
	Name        types.String               `tfsdk:"name"`
	DisplayName types.String               `tfsdk:"display_name"`
	Description types.String               `tfsdk:"description"`
	Type        types.String               `tfsdk:"type"`
	FormType    types.String               `tfsdk:"form_type"`
	Styling     types.String               `tfsdk:"styling"`
	Mutable     types.Bool                 `tfsdk:"mutable"`
	Default     types.String               `tfsdk:"default"`
	Icon        types.String               `tfsdk:"icon"`
	Option      []parameterOptionModel     `tfsdk:"option"`
	Validation  []parameterValidationModel `tfsdk:"validation"`
	Optional    types.Bool                 `tfsdk:"optional"`
	Order       types.Int64                `tfsdk:"order"`
	Ephemeral   types.Bool                 `tfsdk:"ephemeral"`
	Value       types.String               `tfsdk:"value"`
}

type parameterOptionModel struct {
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Value       types.String `tfsdk:"value"`
	Icon        types.String `tfsdk:"icon"`
}

type parameterValidationModel struct {
	Min         types.Int64  `tfsdk:"min"`
	MinDisabled types.Bool   `tfsdk:"min_disabled"`
	Max         types.Int64  `tfsdk:"max"`
	MaxDisabled types.Bool   `tfsdk:"max_disabled"`
	Monotonic   types.String `tfsdk:"monotonic"`
	Regex       types.String `tfsdk:"regex"`
	Error       types.String `tfsdk:"error"`
}

// Parameter types.
const (
	paramString     = "string"
	paramNumber     = "number"
	paramBool       = "bool"
	paramListString = "list(string)"
)

var paramTypes = []string{paramString, paramNumber, paramBool, paramListString}

// paramFormTypes are the form types a configuration may name.
var paramFormTypes = []string{
	"radio", "slider", "input", "dropdown", "checkbox", "switch", "multi-select", "tag-select", "textarea", "error",
}

// paramFormsFor lists, for each type, the form types it allows with options
// and without; the first is the default.
var paramFormsFor = map[string]map[bool][]string{
	paramString:     {true: {"radio", "dropdown"}, false: {"input", "textarea"}},
	paramNumber:     {true: {"radio", "dropdown"}, false: {"input", "slider"}},
	paramBool:       {true: {"radio", "dropdown"}, false: {"checkbox", "switch"}},
	paramListString: {true: {"radio", "multi-select"}, false: {"tag-select"}},
}

// Metadata implements datasource.DataSource.
func (d *parameterDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_parameter"
}

// Schema implements datasource.DataSource.
func (d *parameterDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Use this data source to let users choose a value for their workspace, such as a " +
			"region, an image or a size. `value` is what the user chose for this build (the server passes it " +
			"in `CODER_PARAMETER_<hex SHA-256 of name>`), else `default`. A value that does not fit the " +
			"parameter's type, options or `validation` block fails the build.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A random ID (a UUID), new at every read.",
				Optional:            true,
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The parameter's name, unique within the template. Users are asked again for " +
					"a value when it changes.",
				Required: true,
			},
			"display_name": schema.StringAttribute{
				MarkdownDescription: "The name users see for the parameter.",
				Optional:            true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the parameter is for, in Markdown.",
				Optional:            true,
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "The type of the value: `\"string\"` (the default), `\"number\"`, `\"bool\"` or " +
					"`\"list(string)\"` (a JSON array of strings, such as `[\"a\",\"b\"]`; decode it with `jsondecode`).",
				Optional:   true,
				Validators: []validator.String{sdkOneOf(paramTypes...)},
			},
			"form_type": schema.StringAttribute{
				MarkdownDescription: "The input the dashboard shows: one of `\"" + strings.Join(paramFormTypes, "\"`, `\"") +
					"\"`. Which ones a parameter allows depends on its type and whether it has options; unset, it " +
					"is the first allowed one (such as `\"input\"` for a string without options, `\"radio\"` with " +
					"options), and the state holds it.",
				Optional:   true,
				Validators: []validator.String{sdkOneOf(paramFormTypes...)},
			},
			"styling": schema.StringAttribute{
				MarkdownDescription: "A JSON object of hints for how the dashboard shows the parameter (such as " +
					"`placeholder`, `disabled`, `mask_input`). It changes nothing in Terraform. Defaults to `\"{}\"`.",
				Optional: true,
			},
			"mutable": schema.BoolAttribute{
				MarkdownDescription: "Whether users may change the value after the workspace is created. Defaults " +
					"to `false`. Beware of parameters whose change destroys data, such as a region.",
				Optional: true,
			},
			"default": schema.StringAttribute{
				MarkdownDescription: "The value when the user gives none. Without a default the parameter is " +
					"required.",
				Optional: true,
			},
			"icon": schema.StringAttribute{
				MarkdownDescription: iconDescription,
				Optional:            true,
				Validators:          []validator.String{urlSyntax{}},
			},
			"optional": schema.BoolAttribute{
				MarkdownDescription: "Whether the parameter has a `default`, so users may leave it out.",
				Computed:            true,
			},
			"order": schema.Int64Attribute{
				MarkdownDescription: "The position of the parameter in forms: lowest first, parameters with the " +
					"same order sorted by name.",
				Optional: true,
			},
			"ephemeral": schema.BoolAttribute{
				MarkdownDescription: "Whether the value holds for one build only: the next build starts from the " +
					"default again. An ephemeral parameter must be `mutable` and have a `default`. Defaults to `false`.",
				Optional: true,
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The parameter's value in this build: the user's, else `default`, else `\"\"`.",
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{
			"option": schema.ListNestedBlock{
				MarkdownDescription: "Each `option` block is one value users can pick. Names and values are unique; " +
					"values must be of the parameter's type.",
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							MarkdownDescription: "The name users see for the option.",
							Required:            true,
						},
						"description": schema.StringAttribute{
							MarkdownDescription: "What picking the option does.",
							Optional:            true,
						},
						"value": schema.StringAttribute{
							MarkdownDescription: "The parameter's value when users pick the option.",
							Required:            true,
						},
						"icon": schema.StringAttribute{
							MarkdownDescription: iconDescription,
							Optional:            true,
							Validators:          []validator.String{urlSyntax{}},
						},
					},
				},
			},
			"validation": schema.ListNestedBlock{
				MarkdownDescription: "Rules the value must follow. At most one block.",
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"min": schema.Int64Attribute{
							MarkdownDescription: "The least value of a `number` parameter (an integer).",
							Optional:            true,
						},
						"min_disabled": schema.BoolAttribute{
							MarkdownDescription: "Whether `min` is unset.",
							Computed:            true,
						},
						"max": schema.Int64Attribute{
							MarkdownDescription: "The greatest value of a `number` parameter (an integer).",
							Optional:            true,
						},
						"max_disabled": schema.BoolAttribute{
							MarkdownDescription: "Whether `max` is unset.",
							Computed:            true,
						},
						"monotonic": schema.StringAttribute{
							MarkdownDescription: "For a `number` parameter, `\"increasing\"` or `\"decreasing\"`: a new value " +
								"may not be below (or above) the previous build's.",
							Optional: true,
						},
						"regex": schema.StringAttribute{
							MarkdownDescription: "A regular expression (Go syntax) a `string` value must match; it needs " +
								"`error`. Not with `min`, `max` or `monotonic`.",
							Optional: true,
						},
						"error": schema.StringAttribute{
							MarkdownDescription: "The message for a value that breaks the rules. `{min}`, `{max}` and " +
								"`{value}` stand for the rule's bounds and the value.",
							Optional: true,
						},
					},
				},
			},
		},
	}
}

// ValidateConfig implements datasource.DataSourceWithValidateConfig.
func (d *parameterDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var v []parameterValidationModel
	if diags := req.Config.GetAttribute(ctx, path.Root("validation"), &v); diags.HasError() {
		return // not known yet (a dynamic block)
	}
	if len(v) > 1 {
		resp.Diagnostics.AddAttributeError(path.Root("validation"), "Too many validation blocks",
			fmt.Sprintf("No more than 1 \"validation\" blocks are allowed; got %d.", len(v)))
	}
	for i, rule := range v {
		if rule.Regex.IsNull() {
			continue
		}
		set := map[string]bool{"regex": true, "min": !rule.Min.IsNull(), "max": !rule.Max.IsNull(), "monotonic": !rule.Monotonic.IsNull()}
		for _, o := range []string{"min", "max", "monotonic"} {
			if set[o] {
				resp.Diagnostics.AddAttributeError(path.Root("validation").AtListIndex(i).AtName("regex"),
					fmt.Sprintf("%q: conflicts with validation.0.%s", "validation.0.regex", o), "")
			}
		}
	}
}

// Read implements datasource.DataSource.
func (d *parameterDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m parameterModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || d.data == nil {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	emptyToNull(&m.DisplayName, &m.Description, &m.Type, &m.FormType, &m.Styling, &m.Default, &m.Icon)
	setDefault(&m.Type, paramString)
	setDefault(&m.FormType, "")
	setDefault(&m.Styling, "{}")
	setDefaultBool(&m.Mutable, false)
	setDefaultBool(&m.Ephemeral, false)
	for i := range m.Option {
		setDefault(&m.Option[i].Description, "")
		setDefault(&m.Option[i].Icon, "")
	}
	for i := range m.Validation {
		v := &m.Validation[i]
		v.MinDisabled, v.MaxDisabled = types.BoolValue(v.Min.IsNull()), types.BoolValue(v.Max.IsNull())
		if v.Min.IsNull() {
			v.Min = types.Int64Value(0)
		}
		if v.Max.IsNull() {
			v.Max = types.Int64Value(0)
		}
		setDefault(&v.Monotonic, "")
		setDefault(&v.Regex, "")
		setDefault(&v.Error, "")
	}
	// Optional is whether the configuration has a default, "" included.
	var def types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("default"), &def)...)
	m.Optional = types.BoolValue(!def.IsNull())

	switch {
	case !m.Mutable.ValueBool() && m.Ephemeral.ValueBool():
		resp.Diagnostics.AddError("parameter can't be immutable and ephemeral", "")
		return
	case !m.Optional.ValueBool() && m.Ephemeral.ValueBool():
		resp.Diagnostics.AddError("ephemeral parameter requires the default property", "")
		return
	}

	var input, previous *string
	if v, ok := d.data.lookupEnv(buildenv.Parameter(m.Name.ValueString())); ok {
		input = &v
	}
	if v, ok := d.data.lookupEnv(buildenv.ParameterPrevious(m.Name.ValueString())); ok {
		previous = &v
	}
	value, diags := m.resolve(input, previous, d.data.getenv(buildenv.TemplateImport) == "true")
	resp.Diagnostics.Append(diags...)
	if diags.HasError() {
		return
	}
	m.Value = types.StringValue(value)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func setDefault(v *types.String, def string) {
	if v.IsNull() {
		*v = types.StringValue(def)
	}
}

func setDefaultBool(v *types.Bool, def bool) {
	if v.IsNull() {
		*v = types.BoolValue(def)
	}
}

// resolve returns the parameter's value: input (the user's, nil when the
// build gives none), else the default; and it checks the value and the
// options. It sets m.FormType to the form type in effect. In the server's
// template import (buildenv.TemplateImport, our addition) a parameter with
// neither reads "" unchecked: the push's plan can then learn the parameter
// without a value for it.
func (m *parameterModel) resolve(input, previous *string, importing bool) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	typ := m.Type.ValueString()
	value, fromDefault := input, false
	if input == nil && m.Optional.ValueBool() {
		def := m.Default.ValueString()
		value, fromDefault = &def, true
	}

	optionType, formType, err := paramFormType(typ, len(m.Option), m.FormType.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("form_type"), "Invalid form_type for parameter", err.Error())
		return "", diags
	}
	m.FormType = types.StringValue(formType)

	options, odiags := m.optionValues(optionType)
	if odiags.HasError() {
		return "", odiags
	}
	// Without a validation block, or in a template import, no value and
	// no default is an empty value that nothing checks.
	if value == nil && (len(m.Validation) == 0 || importing) {
		return "", nil
	}
	var v string
	if value != nil {
		v = *value
	}
	what, at := "Value", path.Empty()
	if fromDefault {
		what, at = "Default value", path.Root("default")
	}
	addErr := func(summary, detail string) {
		if fromDefault {
			diags.AddAttributeError(at, summary, detail)
		} else {
			diags.AddError(summary, detail)
		}
	}

	if len(options) > 0 {
		if typ == paramListString && optionType == paramString {
			items, err := listOfStrings(v)
			if err != nil {
				addErr("When using list(string) type, value must be a json encoded list of strings", err.Error())
				return "", diags
			}
			var missing []string
			for _, it := range items {
				if !options[it] {
					missing = append(missing, it)
				}
			}
			if len(missing) > 0 {
				addErr(what+"s must be a valid option", fmt.Sprintf(
					"%s %q is not a valid option, values %q are missing from the options", what, v, strings.Join(missing, ", ")))
				return "", diags
			}
		} else if !options[v] {
			extra := ""
			if v == "" {
				extra = ". The value is empty, did you forget to set it with a default or from user input?"
			}
			addErr(what+" must be a valid option"+extra, fmt.Sprintf("the value %q must be defined as one of options", v))
			return "", diags
		}
	}
	if len(m.Validation) == 1 {
		if err := m.Validation[0].check(typ, v, previous); err != nil {
			addErr("Invalid parameter "+strings.ToLower(what)+" according to 'validation' block", err.Error())
			return "", diags
		}
	}
	if err := valueOfType(typ, v); err != nil {
		diags.AddError(fmt.Sprintf("Parameter value is not of type %q", typ), err.Error())
		return "", diags
	}
	return v, diags
}

// paramFormType returns the type options are checked against and the form
// type in effect for a parameter of type typ with n options and the given
// form type ("" for the default). A multi-select list(string) parameter
// has options that are single strings.
func paramFormType(typ string, n int, form string) (string, string, error) {
	allowed := paramFormsFor[typ][n > 0]
	if len(allowed) == 0 {
		return typ, form, fmt.Errorf("%q attribute=%q is not supported, choose one of %v", "type", typ, paramTypes)
	}
	if form == "" {
		form = allowed[0]
	}
	if !slices.Contains(allowed, form) {
		when := ""
		if slices.Contains(paramFormsFor[typ][n == 0], form) {
			when = " when options do not exist"
			if n > 0 {
				when = " when options exist"
			}
		}
		return typ, form, fmt.Errorf("%q attribute=%q is not supported for %q=%q%s, choose one of %v",
			"form_type", form, "type", typ, when, allowed)
	}
	if typ == paramListString && form == "multi-select" {
		return paramString, form, nil
	}
	return typ, form, nil
}

// optionValues checks the options (unique names and values, each of type
// typ) and returns their values.
func (m *parameterModel) optionValues(typ string) (map[string]bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	names, values := map[string]bool{}, map[string]bool{}
	for _, o := range m.Option {
		name, value := o.Name.ValueString(), o.Value.ValueString()
		if names[name] {
			diags.AddError("Option names must be unique.", fmt.Sprintf("multiple options found with the same name %q", name))
			return nil, diags
		}
		if values[value] {
			diags.AddError("Option values must be unique.", fmt.Sprintf("multiple options found with the same value %q", value))
			return nil, diags
		}
		if err := valueOfType(typ, value); err != nil {
			diags.AddError(fmt.Sprintf("Option %q with value=%q is not of type %q", name, value, typ), err.Error())
			continue
		}
		names[name], values[value] = true, true
	}
	return values, diags
}

// valueOfType checks that value is of the parameter type typ (the rule
// the server checks before a build too: sdk.ParameterValueOfType).
func valueOfType(typ, value string) error { return sdk.ParameterValueOfType(typ, value) }

func listOfStrings(value string) ([]string, error) { return sdk.ParameterList(value) }

// check applies a validation block to the value of a parameter of type
// typ; previous is the previous build's value, if any. The rules are
// sdk.ParameterValidation's, which the server applies before a build.
func (v parameterValidationModel) check(typ, value string, previous *string) error {
	sv := sdk.ParameterValidation{Monotonic: v.Monotonic.ValueString(), Regex: v.Regex.ValueString(), Error: v.Error.ValueString()}
	if !v.MinDisabled.ValueBool() {
		lo := v.Min.ValueInt64()
		sv.Min = &lo
	}
	if !v.MaxDisabled.ValueBool() {
		hi := v.Max.ValueInt64()
		sv.Max = &hi
	}
	return sv.Check(typ, value, previous)
}
