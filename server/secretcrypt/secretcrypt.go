// Package secretcrypt seals values at rest with AES-256-GCM. Each key has an
// id derived from its bytes, so a ciphertext names the key that sealed it,
// several keys can be configured at once (the first one seals, all of them
// open), and rows sealed by an old key can be re-encrypted with the new one.
// Every ciphertext is bound to its row through additional data: a ciphertext
// copied to another row fails to open.
package secretcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

var (
	// ErrUnknownKey means a ciphertext names a key id the keyring lacks.
	ErrUnknownKey = errors.New("unknown encryption key id")
	// ErrDecrypt means a ciphertext failed to open: wrong key, wrong row, or
	// tampered bytes. It never says more.
	ErrDecrypt = errors.New("ciphertext does not open with its key and row")
)

type key struct {
	id   string
	aead cipher.AEAD
	mac  []byte // HMAC key derived from the key, for MAC
}

// Keyring holds the configured keys. The first is the primary: it seals
// every new value.
type Keyring struct {
	primary *key
	byID    map[string]*key
	order   []string
}

// KeyID returns the id of a key: the first 16 hex digits of a SHA-256 over a
// fixed label and the key. It identifies the key without revealing it.
func KeyID(k []byte) string {
	h := sha256.New()
	h.Write([]byte("usersecrets/secretcrypt key id v1\x00"))
	h.Write(k)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// NewKeyring builds a keyring; keys[0] is the primary.
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("no encryption key configured")
	}
	kr := &Keyring{byID: map[string]*key{}}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("encryption key %d is %d bytes long; want %d", i+1, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("encryption key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("encryption key %d: %w", i+1, err)
		}
		id := KeyID(k)
		if _, dup := kr.byID[id]; dup {
			continue
		}
		mk := sha256.Sum256(append([]byte("usersecrets/secretcrypt mac key v1\x00"), k...))
		kk := &key{id: id, aead: aead, mac: mk[:]}
		kr.byID[id] = kk
		kr.order = append(kr.order, id)
		if kr.primary == nil {
			kr.primary = kk
		}
	}
	return kr, nil
}

// ParseKeys decodes keys written as base64 (standard or URL alphabet, with or
// without padding), separated by commas, spaces or new lines. Lines starting
// with # are comments.
func ParseKeys(s string) ([][]byte, error) {
	var out [][]byte
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			k, err := decodeKey(f)
			if err != nil {
				return nil, fmt.Errorf("encryption key %d: %w", len(out)+1, err)
			}
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no encryption key found")
	}
	return out, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("decodes to %d bytes; want %d (generate one with: openssl rand -base64 32)", len(k), KeySize)
			}
			return k, nil
		}
	}
	// Never echo the input: it is key material.
	return nil, errors.New("is not valid base64 (generate one with: openssl rand -base64 32)")
}

// GenerateKey returns a new random key.
func GenerateKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return k, nil
}

// EncodeKey encodes a key as standard base64.
func EncodeKey(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

// PrimaryID is the id of the key that seals new values.
func (kr *Keyring) PrimaryID() string { return kr.primary.id }

// IDs lists the ids of every configured key, primary first.
func (kr *Keyring) IDs() []string { return append([]string(nil), kr.order...) }

// Has reports whether the keyring holds the key with this id.
func (kr *Keyring) Has(id string) bool { _, ok := kr.byID[id]; return ok }

// Seal encrypts plaintext with the primary key, binding it to aad. It
// returns nonce||ciphertext and the key's id.
func (kr *Keyring) Seal(plaintext, aad []byte) ([]byte, string, error) {
	k := kr.primary
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, "", fmt.Errorf("nonce: %w", err)
	}
	return k.aead.Seal(nonce, nonce, plaintext, aad), k.id, nil
}

// Open decrypts a ciphertext made by Seal with the key keyID and the same
// aad.
func (kr *Keyring) Open(ciphertext []byte, keyID string, aad []byte) ([]byte, error) {
	k, ok := kr.byID[keyID]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, keyID)
	}
	ns := k.aead.NonceSize()
	if len(ciphertext) < ns+k.aead.Overhead() {
		return nil, ErrDecrypt
	}
	out, err := k.aead.Open(nil, ciphertext[:ns], ciphertext[ns:], aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

// MAC authenticates msg with a key derived from the primary key. Server
// processes that share keys use it to trust each other's requests.
func (kr *Keyring) MAC(msg []byte) []byte {
	h := hmac.New(sha256.New, kr.primary.mac)
	h.Write(msg)
	return h.Sum(nil)
}

// VerifyMAC reports whether mac authenticates msg under any configured key
// (so processes in the middle of a key rotation still agree).
func (kr *Keyring) VerifyMAC(msg, mac []byte) bool {
	for _, id := range kr.order {
		h := hmac.New(sha256.New, kr.byID[id].mac)
		h.Write(msg)
		if hmac.Equal(h.Sum(nil), mac) {
			return true
		}
	}
	return false
}

// SecretAAD is the additional data that binds a secret's value to its row:
// the owner and the secret id.
func SecretAAD(ownerID, secretID uuid.UUID) []byte {
	return []byte("user-secret:" + ownerID.String() + ":" + secretID.String())
}

// StateAAD binds a workspace's Terraform state to the workspace.
func StateAAD(workspaceID uuid.UUID) []byte {
	return []byte("workspace-state:" + workspaceID.String())
}

// AgentConfigAAD binds what a template set for an agent (its sealed
// directory, motd file, env and scripts) to the agent's row.
func AgentConfigAAD(agentID uuid.UUID) []byte {
	return []byte("agent-config:" + agentID.String())
}

// VariablesAAD binds a template version's variable values to the version.
func VariablesAAD(versionID uuid.UUID) []byte {
	return []byte("template-variables:" + versionID.String())
}

// BuildSecretAAD binds a build secret's value to the build that records it
// and its name.
func BuildSecretAAD(buildID uuid.UUID, name string) []byte {
	return []byte("build-secret:" + buildID.String() + ":" + name)
}
