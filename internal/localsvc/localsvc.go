// Package localsvc starts the real PostgreSQL and Meilisearch that `maillage
// run` and the tests use when no URL is configured. Both live under a data
// folder (persistent for `run`, temporary for tests) on free loopback ports.
package localsvc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// ErrMissing is returned when a program the services need is not installed;
// its message says in one sentence what to install.
type ErrMissing struct{ What, Install string }

func (e *ErrMissing) Error() string {
	return fmt.Sprintf("%s is not installed: %s", e.What, e.Install)
}

// IsMissing reports whether err says a program is missing.
func IsMissing(err error) bool {
	var m *ErrMissing
	return errors.As(err, &m)
}

// FreePort asks the kernel for a free loopback TCP port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// RepoRoot walks up from the working directory to the folder holding go.mod,
// so tests running inside a package folder find node_modules.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}
