package secretcrypt_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/secretcrypt"
)

func mustKey(t *testing.T) []byte {
	t.Helper()
	k, err := secretcrypt.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenBoundToRow(t *testing.T) {
	kr, err := secretcrypt.NewKeyring(mustKey(t))
	if err != nil {
		t.Fatal(err)
	}
	owner, id, other := uuid.New(), uuid.New(), uuid.New()
	plain := []byte("canary-value")
	ct, keyID, err := kr.Seal(plain, secretcrypt.SecretAAD(owner, id))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, plain) {
		t.Fatal("ciphertext holds the plaintext")
	}
	got, err := kr.Open(ct, keyID, secretcrypt.SecretAAD(owner, id))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open own row: err %v, value matches %v; want nil, true", err, bytes.Equal(got, plain))
	}
	for name, aad := range map[string][]byte{
		"other secret id": secretcrypt.SecretAAD(owner, other),
		"other owner":     secretcrypt.SecretAAD(other, id),
	} {
		if _, err := kr.Open(ct, keyID, aad); !errors.Is(err, secretcrypt.ErrDecrypt) {
			t.Errorf("%s: got err %v, want ErrDecrypt", name, err)
		}
	}
	tampered := append([]byte(nil), ct...)
	tampered[len(tampered)-1] ^= 1
	if _, err := kr.Open(tampered, keyID, secretcrypt.SecretAAD(owner, id)); !errors.Is(err, secretcrypt.ErrDecrypt) {
		t.Errorf("tampered: got err %v, want ErrDecrypt", err)
	}
	if _, err := kr.Open(ct[:5], keyID, secretcrypt.SecretAAD(owner, id)); !errors.Is(err, secretcrypt.ErrDecrypt) {
		t.Errorf("truncated: got err %v, want ErrDecrypt", err)
	}
}

func TestKeyringRotation(t *testing.T) {
	oldKey, newKey := mustKey(t), mustKey(t)
	oldRing, _ := secretcrypt.NewKeyring(oldKey)
	aad := []byte("row")
	ct, oldID, err := oldRing.Seal([]byte("v"), aad)
	if err != nil {
		t.Fatal(err)
	}
	both, err := secretcrypt.NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if both.PrimaryID() == oldID {
		t.Fatalf("primary id %s, want the new key's", both.PrimaryID())
	}
	if _, err := both.Open(ct, oldID, aad); err != nil {
		t.Fatalf("open with old key in ring: %v", err)
	}
	newOnly, _ := secretcrypt.NewKeyring(newKey)
	if _, err := newOnly.Open(ct, oldID, aad); !errors.Is(err, secretcrypt.ErrUnknownKey) {
		t.Fatalf("got %v, want ErrUnknownKey", err)
	}
	if got, want := secretcrypt.KeyID(oldKey), oldID; got != want {
		t.Fatalf("KeyID got %s, want %s", got, want)
	}
}

func TestParseKeys(t *testing.T) {
	k := mustKey(t)
	enc := secretcrypt.EncodeKey(k)
	keys, err := secretcrypt.ParseKeys("# comment\n" + enc + ", " + enc + "\n")
	if err != nil || len(keys) != 2 {
		t.Fatalf("got %d keys, err %v; want 2, nil", len(keys), err)
	}
	for _, bad := range []string{"", "not base64!!", "c2hvcnQ="} {
		_, err := secretcrypt.ParseKeys(bad)
		if err == nil {
			t.Errorf("ParseKeys(%q): got nil error, want one", bad)
			continue
		}
		if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("error %q echoes the key material", err)
		}
	}
	if _, err := secretcrypt.NewKeyring(k[:16]); err == nil {
		t.Error("NewKeyring with a 16-byte key: got nil error")
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.key")
	keys, created, err := secretcrypt.LoadOrCreateKeyFile(path)
	if err != nil || !created || len(keys) != 1 {
		t.Fatalf("first load: keys %d created %v err %v", len(keys), created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Fatalf("key file mode %#o, want 0600", got)
	}
	again, created, err := secretcrypt.LoadOrCreateKeyFile(path)
	if err != nil || created || !bytes.Equal(again[0], keys[0]) {
		t.Fatalf("second load: created %v err %v same key %v", created, err, bytes.Equal(again[0], keys[0]))
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := secretcrypt.LoadOrCreateKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file: got %v, want an error naming chmod 600", err)
	}
}

func TestMAC(t *testing.T) {
	a, b := mustKey(t), mustKey(t)
	ra, _ := secretcrypt.NewKeyring(a)
	rab, _ := secretcrypt.NewKeyring(b, a)
	rb, _ := secretcrypt.NewKeyring(b)
	mac := ra.MAC([]byte("msg"))
	if !ra.VerifyMAC([]byte("msg"), mac) || !rab.VerifyMAC([]byte("msg"), mac) {
		t.Fatal("a MAC does not verify under a keyring holding its key")
	}
	if rb.VerifyMAC([]byte("msg"), mac) || ra.VerifyMAC([]byte("msh"), mac) {
		t.Fatal("a MAC verifies under another key or for another message")
	}
}
