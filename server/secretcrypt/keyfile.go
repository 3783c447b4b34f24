package secretcrypt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// LoadOrCreateKeyFile reads the keys in path (see ParseKeys). When the file
// does not exist it creates it, mode 0600, with one new key. created reports
// whether it did. A file readable by group or others is refused: the key
// protects every secret.
func LoadOrCreateKeyFile(path string) (keys [][]byte, created bool, err error) {
	buf, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k, err := GenerateKey()
		if err != nil {
			return nil, false, err
		}
		content := "# Encryption keys of this server's secrets (base64, AES-256).\n" +
			"# The first key seals new values; keep older keys below it until\n" +
			"# the server has re-encrypted every row. Losing this file loses every secret.\n" +
			EncodeKey(k) + "\n"
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, false, fmt.Errorf("create key file: %w", err)
		}
		if _, err := f.WriteString(content); err != nil {
			f.Close()
			return nil, false, fmt.Errorf("write key file: %w", err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, false, fmt.Errorf("sync key file: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, false, fmt.Errorf("close key file: %w", err)
		}
		return [][]byte{k}, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read key file: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, false, fmt.Errorf("stat key file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("key file %s has mode %#o; it must be readable only by its owner (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	keys, err = ParseKeys(string(buf))
	if err != nil {
		return nil, false, fmt.Errorf("key file %s: %w", path, err)
	}
	return keys, false, nil
}
