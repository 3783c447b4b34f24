// Package agenttoken says how a workspace agent's token is kept: the
// provisioner records the hash of each agent's token after a build, and the
// agent API finds the agent by the hash of the token it presents. Neither
// keeps the token itself.
package agenttoken

import "crypto/sha256"

// Hash is the form in which an agent token is stored and looked up: its
// SHA-256.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
