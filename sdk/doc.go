// Package sdk holds what the server, the CLI, the agent and the Terraform
// provider agree on: the JSON wire types of the REST API, the validation
// rules for secrets (one implementation, used everywhere), and a typed HTTP
// client.
package sdk
