package provider

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// Address is the provider's source address. OpenTofu resolves the short
// source "coder/coder" to registry.opentofu.org/coder/coder instead; the
// binary serves both the same way.
const Address = "registry.terraform.io/coder/coder"

// ExecutablePrefix starts the file name Terraform runs a coder/coder
// provider package under (terraform-provider-coder_v<version>).
const ExecutablePrefix = "terraform-provider-coder"

// magicCookieKey is the variable go-plugin sets when Terraform (or
// OpenTofu) starts a provider; both use the same key.
const magicCookieKey = "TF_PLUGIN_MAGIC_COOKIE"

// IsPluginInvocation reports whether the process was started by Terraform
// as the coder/coder provider plugin: the plugin handshake cookie is in the
// environment, or the executable's base name (argv0, os.Args[0]) starts with
// terraform-provider-coder. The caller then runs Serve and nothing else.
func IsPluginInvocation(argv0 string, getenv func(string) string) bool {
	if getenv(magicCookieKey) != "" {
		return true
	}
	base := filepath.Base(argv0)
	// Windows separators, whatever the OS this runs on.
	if i := strings.LastIndexByte(base, '\\'); i >= 0 {
		base = base[i+1:]
	}
	return strings.HasPrefix(base, ExecutablePrefix)
}

// Serve serves the provider over the plugin protocol (version 6) until
// Terraform stops it or ctx ends. version is the binary's version. Started
// by hand, without the handshake cookie, go-plugin prints that this is a
// plugin and exits the process with status 1. lookupEnv reads the
// environment Terraform gave the plugin (the build's CODER_* variables).
func Serve(ctx context.Context, version string, lookupEnv func(string) (string, bool)) error {
	srv, err := newProtocolServer(version, lookupEnv)
	if err != nil {
		return err
	}
	_ = ctx // tf6server stops when Terraform closes the plugin's connection.
	return tf6server.Serve(Address, func() tfprotov6.ProviderServer { return srv })
}
