// Package server is the HTTP API of the product: users and tokens, each
// user's secrets, templates, workspaces and their builds, and the agents'
// API. routes.go lists every route; each noun has its file. A handler
// parses and validates a request with the sdk rules, makes one store call
// (or one transaction), maps the store's errors to HTTP answers and writes
// JSON. 5xx answers never carry internal error text, and no answer, log
// line or error ever holds a secret value.
//
// The agents' connections (registry, yamux, relay between server
// processes) live in server/agentconn, the builds in server/provisioner.
package server
