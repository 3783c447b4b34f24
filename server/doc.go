// Package server is the HTTP API of the product: users and tokens, and each
// user's secrets. It parses and validates requests with the sdk rules, makes
// one store (or secrets service) call, maps the store's errors to HTTP
// answers and writes JSON. 5xx answers never carry internal error text, and
// no answer, log line or error ever holds a secret value.
package server
