package provider

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// attributeFlags describes each attribute of a schema block as
// "<type> <required|optional|computed>[,computed][,sensitive]", nested
// attributes and blocks under "<parent>.<name>". Blocks are "block <mode>"
// with "max=N" when bounded.
func attributeFlags(b *tfprotov6.SchemaBlock) map[string]string {
	out := map[string]string{}
	addBlockFlags(out, "", b)
	return out
}

func addBlockFlags(out map[string]string, prefix string, b *tfprotov6.SchemaBlock) {
	for _, a := range b.Attributes {
		var flags []string
		if a.Required {
			flags = append(flags, "required")
		}
		if a.Optional {
			flags = append(flags, "optional")
		}
		if a.Computed {
			flags = append(flags, "computed")
		}
		if a.Sensitive {
			flags = append(flags, "sensitive")
		}
		typ := "nested"
		if a.NestedType == nil {
			typ = typeName(a.Type)
		} else {
			for _, na := range a.NestedType.Attributes {
				out[prefix+a.Name+"."+na.Name] = typeName(na.Type)
			}
		}
		out[prefix+a.Name] = typ + " " + strings.Join(flags, ",")
	}
	for _, nb := range b.BlockTypes {
		desc := "block " + strings.ToLower(strings.TrimPrefix(nb.Nesting.String(), "NestingMode"))
		if nb.MaxItems > 0 {
			desc += fmt.Sprintf(" max=%d", nb.MaxItems)
		}
		out[prefix+nb.TypeName] = desc
		addBlockFlags(out, prefix+nb.TypeName+".", nb.Block)
	}
}

func typeName(t tftypes.Type) string {
	switch {
	case t.Is(tftypes.String):
		return "string"
	case t.Is(tftypes.Number):
		return "number"
	case t.Is(tftypes.Bool):
		return "bool"
	case t.Is(tftypes.List{}):
		return "list(" + typeName(t.(tftypes.List).ElementType) + ")"
	case t.Is(tftypes.Map{}):
		return "map(" + typeName(t.(tftypes.Map).ElementType) + ")"
	case t.Is(tftypes.Object{}):
		return "object"
	}
	return t.String()
}

// TestSchemas pins every attribute's name, type and flags to those of
// terraform-provider-coder v2, so templates written for it keep working.
func TestSchemas(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil, nil)
	tests := []struct {
		name  string
		block *tfprotov6.SchemaBlock
		want  map[string]string
	}{
		{"provider", s.schemas.Provider.Block, map[string]string{"url": "string optional"}},
		{"coder_agent", s.schemas.ResourceSchemas["coder_agent"].Block, map[string]string{
			"id":                                    "string optional,computed",
			"os":                                    "string required",
			"arch":                                  "string required",
			"auth":                                  "string optional",
			"dir":                                   "string optional",
			"env":                                   "map(string) optional",
			"startup_script":                        "string optional",
			"startup_script_behavior":               "string optional",
			"shutdown_script":                       "string optional",
			"connection_timeout":                    "number optional",
			"motd_file":                             "string optional",
			"troubleshooting_url":                   "string optional",
			"order":                                 "number optional",
			"api_key_scope":                         "string optional",
			"token":                                 "string computed,sensitive",
			"init_script":                           "string computed",
			"metadata":                              "block list",
			"metadata.key":                          "string required",
			"metadata.display_name":                 "string optional",
			"metadata.script":                       "string required",
			"metadata.interval":                     "number required",
			"metadata.timeout":                      "number optional",
			"metadata.order":                        "number optional",
			"display_apps":                          "block set max=1",
			"display_apps.vscode":                   "bool optional",
			"display_apps.vscode_insiders":          "bool optional",
			"display_apps.web_terminal":             "bool optional",
			"display_apps.ssh_helper":               "bool optional",
			"display_apps.port_forwarding_helper":   "bool optional",
			"resources_monitoring":                  "block set max=1",
			"resources_monitoring.memory":           "block set max=1",
			"resources_monitoring.memory.enabled":   "bool required",
			"resources_monitoring.memory.threshold": "number required",
			"resources_monitoring.volume":           "block set",
			"resources_monitoring.volume.path":      "string required",
			"resources_monitoring.volume.enabled":   "bool required",
			"resources_monitoring.volume.threshold": "number required",
		}},
		{"coder_env", s.schemas.ResourceSchemas["coder_env"].Block, map[string]string{
			"id":             "string optional,computed",
			"agent_id":       "string required",
			"name":           "string required",
			"value":          "string optional",
			"merge_strategy": "string optional",
		}},
		{"coder_script", s.schemas.ResourceSchemas["coder_script"].Block, map[string]string{
			"id":                 "string optional,computed",
			"agent_id":           "string required",
			"display_name":       "string required",
			"script":             "string required",
			"icon":               "string optional",
			"cron":               "string optional",
			"log_path":           "string optional",
			"run_on_start":       "bool optional",
			"run_on_stop":        "bool optional",
			"start_blocks_login": "bool optional",
			"timeout":            "number optional",
		}},
		{"coder_workspace", s.schemas.DataSourceSchemas["coder_workspace"].Block, map[string]string{
			"id":                "string computed",
			"name":              "string computed",
			"transition":        "string computed",
			"start_count":       "number computed",
			"access_url":        "string computed",
			"access_port":       "number computed",
			"template_id":       "string computed",
			"template_name":     "string computed",
			"template_version":  "string computed",
			"is_prebuild":       "bool computed",
			"is_prebuild_claim": "bool computed",
			"prebuild_count":    "number computed",
		}},
		{"coder_workspace_owner", s.schemas.DataSourceSchemas["coder_workspace_owner"].Block, map[string]string{
			"id":                "string computed",
			"name":              "string computed",
			"full_name":         "string computed",
			"email":             "string computed",
			"ssh_public_key":    "string computed",
			"ssh_private_key":   "string computed,sensitive",
			"groups":            "list(string) computed",
			"session_token":     "string computed,sensitive",
			"oidc_access_token": "string computed,sensitive",
			"oidc_id_token":     "string computed,sensitive",
			"login_type":        "string computed",
			"rbac_roles":        "list(object) computed",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, attributeFlags(tt.block)); diff != "" {
				t.Errorf("schema (-want +got):\n%s", diff)
			}
		})
	}
	var names []string
	for n := range s.schemas.ResourceSchemas {
		names = append(names, "resource "+n)
	}
	for n := range s.schemas.DataSourceSchemas {
		names = append(names, "data "+n)
	}
	sort.Strings(names)
	want := []string{
		"data coder_external_auth", "data coder_parameter", "data coder_provisioner", "data coder_script_order",
		"data coder_secret", "data coder_task", "data coder_workspace", "data coder_workspace_owner",
		"data coder_workspace_preset", "data coder_workspace_tags",
		"resource coder_agent", "resource coder_agent_instance", "resource coder_ai_task", "resource coder_app",
		"resource coder_devcontainer", "resource coder_env", "resource coder_external_agent",
		"resource coder_metadata", "resource coder_script",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}
}

// TestDescriptions checks that every type, attribute and block has a
// Markdown description, which the docs are generated from.
func TestDescriptions(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil, nil)
	check := func(where string, b *tfprotov6.SchemaBlock) {
		var walk func(prefix string, b *tfprotov6.SchemaBlock)
		walk = func(prefix string, b *tfprotov6.SchemaBlock) {
			for _, a := range b.Attributes {
				if a.Description == "" || a.DescriptionKind != tfprotov6.StringKindMarkdown {
					t.Errorf("%s attribute %s%s: got no Markdown description, want one", where, prefix, a.Name)
				}
				if a.NestedType != nil {
					walk(prefix+a.Name+".", &tfprotov6.SchemaBlock{Attributes: a.NestedType.Attributes})
				}
			}
			for _, nb := range b.BlockTypes {
				if nb.Block.Description == "" || nb.Block.DescriptionKind != tfprotov6.StringKindMarkdown {
					t.Errorf("%s block %s%s: got no Markdown description, want one", where, prefix, nb.TypeName)
				}
				walk(prefix+nb.TypeName+".", nb.Block)
			}
		}
		if b.Description == "" {
			t.Errorf("%s: got no description, want one", where)
		}
		walk("", b)
	}
	check("provider", s.schemas.Provider.Block)
	for n, sch := range s.schemas.ResourceSchemas {
		check("resource "+n, sch.Block)
	}
	for n, sch := range s.schemas.DataSourceSchemas {
		check("data source "+n, sch.Block)
	}
}

func TestIsPluginInvocation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		argv0  string
		cookie string
		want   bool
	}{
		{"mirror link", "/var/lib/coder/tf/providers/registry.terraform.io/coder/coder/2.29.9/linux_amd64/terraform-provider-coder_v2.29.9", "", true},
		{"bare name", "terraform-provider-coder", "", true},
		{"windows path", `C:\tf\terraform-provider-coder_v2.0.0.exe`, "", true},
		{"coder binary with cookie", "/usr/bin/coder", "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2", true},
		{"coder binary", "/usr/bin/coder", "", false},
		{"other provider", "/x/terraform-provider-docker_v3.0.2", "", false},
		{"name in a directory only", "/terraform-provider-coder/bin/coder", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string {
				if k == "TF_PLUGIN_MAGIC_COOKIE" {
					return tt.cookie
				}
				return ""
			}
			if got := IsPluginInvocation(tt.argv0, getenv); got != tt.want {
				t.Errorf("IsPluginInvocation(%q): got %v, want %v", tt.argv0, got, tt.want)
			}
		})
	}
}

func TestProviderURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		url      any
		wantURL  string
		wantPort float64
		wantErr  string
	}{
		{"setting", map[string]string{"CODER_AGENT_URL": "http://env.test"}, "https://set.test:8443", "https://set.test:8443", 8443, ""},
		{"environment", map[string]string{"CODER_AGENT_URL": "https://env.test"}, nil, "https://env.test", 443, ""},
		{"default", nil, nil, DefaultURL, 3000, ""},
		{"plain http", map[string]string{"CODER_AGENT_URL": "http://env.test/"}, nil, "http://env.test/", 80, ""},
		{"bad environment", map[string]string{"CODER_AGENT_URL": "env.test"}, nil, "", 0, "The URL from CODER_AGENT_URL is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newUnconfiguredServer(t, tt.env)
			diags := s.configure(tt.url)
			if tt.wantErr != "" {
				if !diagsContain(diags, tt.wantErr) {
					t.Errorf("got diagnostics %s, want an error with %q", diagText(diags), tt.wantErr)
				}
				return
			}
			if len(diags) > 0 {
				t.Fatalf("got diagnostics %s, want none", diagText(diags))
			}
			got, diags := s.readDataSource("coder_workspace", map[string]any{})
			if len(diags) > 0 {
				t.Fatalf("got diagnostics %s, want none", diagText(diags))
			}
			if got["access_url"] != tt.wantURL || got["access_port"] != tt.wantPort {
				t.Errorf("got %v and port %v, want %v and port %v", got["access_url"], got["access_port"], tt.wantURL, tt.wantPort)
			}
		})
	}
}

func TestProviderURLValidator(t *testing.T) {
	t.Parallel()
	s := newUnconfiguredServer(t, nil)
	resp, err := s.srv.ValidateProviderConfig(t.Context(), &tfprotov6.ValidateProviderConfigRequest{
		Config: s.dynamic(s.schemas.Provider.ValueType(), map[string]any{"url": "ftp://x"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !diagsContain(resp.Diagnostics, "Invalid Coder URL", "http:// or https://") {
		t.Errorf("got diagnostics %s, want an invalid URL error", diagText(resp.Diagnostics))
	}
}
