package provider

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/usersecrets/coder/sdk"
)

// sdkStringValidator checks a string attribute with one of the sdk's
// validation rules, so the provider refuses exactly what the server and the
// CLI refuse.
type sdkStringValidator struct {
	summary string
	desc    string
	check   func(string) error
}

var _ validator.String = sdkStringValidator{}

// envNameSyntax accepts any POSIX environment variable name
// (sdk.ValidateEnvNameSyntax): what coder_env and coder_agent.env may set.
func envNameSyntax() validator.String {
	return sdkStringValidator{
		summary: "Invalid environment variable name",
		desc:    "must be a POSIX environment variable name: a letter or `_`, then letters, digits or `_`",
		check:   sdk.ValidateEnvNameSyntax,
	}
}

// secretEnvName accepts the env target of a user secret
// (sdk.ValidateEnvName): a POSIX name that is not reserved.
func secretEnvName() validator.String {
	return sdkStringValidator{
		summary: "Invalid secret environment variable name",
		desc:    "must be a POSIX environment variable name that is not reserved (such as `PATH`, `HOME` or `CODER_*`)",
		check:   sdk.ValidateEnvName,
	}
}

// secretFilePath accepts the file target of a user secret
// (sdk.ValidateFilePath).
func secretFilePath() validator.String {
	return sdkStringValidator{
		summary: "Invalid secret file path",
		desc:    "must start with `~/` or `/` and name a file",
		check:   sdk.ValidateFilePath,
	}
}

// Description implements validator.Describer.
func (v sdkStringValidator) Description(context.Context) string { return v.desc }

// MarkdownDescription implements validator.Describer.
func (v sdkStringValidator) MarkdownDescription(context.Context) string { return v.desc }

// ValidateString implements validator.String.
func (v sdkStringValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, capitalize(err.Error())+".")
	}
}

// accessURLValidator accepts an absolute http or https URL.
type accessURLValidator struct{}

// Description implements validator.Describer.
func (accessURLValidator) Description(context.Context) string {
	return "must be an absolute http:// or https:// URL"
}

// MarkdownDescription implements validator.Describer.
func (v accessURLValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateString implements validator.String.
func (accessURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseAccessURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Coder URL", capitalize(err.Error())+".")
	}
}

// cronValidator accepts the cron expressions coder_script takes: six fields
// (seconds first) or five (seconds, minutes, hours, day of month, month;
// the day of week is optional), or a descriptor such as @daily or
// "@every 1h". It checks the shape and the characters of each field; the
// agent that runs the script has the final word on the values.
type cronValidator struct{}

// Description implements validator.Describer.
func (cronValidator) Description(context.Context) string {
	return "must be a cron expression with seconds (5 or 6 fields) or a descriptor such as @daily"
}

// MarkdownDescription implements validator.Describer.
func (v cronValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateString implements validator.String.
func (cronValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkCron(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid cron expression", capitalize(err.Error())+".")
	}
}

var cronDescriptors = map[string]bool{
	"@yearly": true, "@annually": true, "@monthly": true, "@weekly": true,
	"@daily": true, "@midnight": true, "@hourly": true,
}

// checkCron checks the shape of a cron expression (see cronValidator).
func checkCron(expr string) error {
	fields := strings.Fields(expr)
	if len(fields) == 0 {
		return fmt.Errorf("cron expression is empty")
	}
	if strings.HasPrefix(fields[0], "@") {
		switch {
		case fields[0] == "@every" && len(fields) == 2:
			return nil
		case cronDescriptors[fields[0]] && len(fields) == 1:
			return nil
		}
		return fmt.Errorf("%q is not a cron descriptor (@yearly, @monthly, @weekly, @daily, @hourly or @every <duration>)", expr)
	}
	if len(fields) != 5 && len(fields) != 6 {
		return fmt.Errorf("%q has %d fields; want 5 or 6 (seconds, minutes, hours, day of month, month, optional day of week)", expr, len(fields))
	}
	for _, f := range fields {
		for _, c := range f {
			ok := c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || strings.ContainsRune("*/,-?", c)
			if !ok {
				return fmt.Errorf("%q: field %q holds %q", expr, f, c)
			}
		}
	}
	return nil
}

// capitalize upper-cases the first letter of an error message for a
// diagnostic, which reads as a sentence.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// urlSyntax accepts what url.Parse accepts: the check of the reference's
// icon arguments, which take relative URLs such as "/icon/code.svg".
type urlSyntax struct{}

// Description implements validator.Describer.
func (urlSyntax) Description(context.Context) string { return "must be a URL" }

// MarkdownDescription implements validator.Describer.
func (v urlSyntax) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateString implements validator.String.
func (urlSyntax) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := url.Parse(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, err.Error(), "")
	}
}

// externalURL checks the url of an external coder_app: it is opened on the
// user's machine as it is, so it needs a scheme and a host.
func externalURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme == "" {
		return fmt.Errorf(`must include a scheme, for example "https://"`)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%q URLs must include a host", u.Scheme)
	}
	return nil
}

// uuidSyntax matches a UUID in its canonical text form.
var uuidSyntax = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// oneOfValidator accepts one of a list of strings, with the message of
// terraform-plugin-sdk's StringInSlice (what v2 says for a bad value).
type oneOfValidator struct {
	values []string
}

// sdkOneOf accepts one of values.
func sdkOneOf(values ...string) validator.String {
	return oneOfValidator{values: values}
}

// sdkKey names an attribute path as terraform-plugin-sdk does in messages:
// "rule.0.requires" for rule[0].requires.
func sdkKey(p path.Path) string {
	return strings.NewReplacer("[", ".", "]", "").Replace(p.String())
}

// Description implements validator.Describer.
func (v oneOfValidator) Description(context.Context) string {
	return fmt.Sprintf("must be one of %q", v.values)
}

// MarkdownDescription implements validator.Describer.
func (v oneOfValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

// ValidateString implements validator.String.
func (v oneOfValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !slices.Contains(v.values, req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path,
			fmt.Sprintf("expected %s to be one of %q, got %s", sdkKey(req.Path), v.values, req.ConfigValue.ValueString()), "")
	}
}
