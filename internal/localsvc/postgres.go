package localsvc

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Postgres is a local PostgreSQL cluster started by this process.
type Postgres struct {
	// Dir is the cluster folder (data/, socket, log): the folder asked
	// for, or, as root when the postgres user cannot enter it, a folder
	// under RelocatedBase recorded in it (see StartPostgres).
	Dir  string
	Port int
	bin  string
	run  []string // prefix to run a command as the cluster owner (runuser as root)
}

// PostgresOptions tune a local cluster.
type PostgresOptions struct {
	// Ephemeral turns off durability (fsync, synchronous commit, full-page
	// writes): for tests only.
	Ephemeral bool
	// Port to listen on; 0 takes a free one. Tests that restart a cluster
	// restart it on the same port, as a restarted server would be.
	Port int
}

// URL returns the connection URL of database name on the cluster.
func (p *Postgres) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, name)
}

func postgresBin() (string, error) {
	if dir := os.Getenv("PG_BINDIR"); dir != "" {
		return dir, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(matches, func(i, j int) bool { return pgMajor(matches[i]) > pgMajor(matches[j]) })
	if len(matches) > 0 {
		return filepath.Dir(matches[0]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", &ErrMissing{What: "PostgreSQL (initdb, pg_ctl)", Install: "install it with `apt-get install -y postgresql` (Debian/Ubuntu), or set DATABASE_URL to an existing server"}
}

func pgMajor(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

// StartPostgres creates the cluster in dir when it does not exist yet, starts
// it on a free port and makes sure database "maillage" exists. As root,
// initdb and pg_ctl run as the postgres user; when that user cannot enter
// dir's parent (a clone in root's home, mode 700), the cluster goes to a
// folder of its own under RelocatedBase, owned by postgres, and dir holds
// only the file cluster-dir naming it, so the next run finds it.
func StartPostgres(ctx context.Context, dir string, opts PostgresOptions) (*Postgres, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	p := &Postgres{Dir: dir, bin: bin}
	// The parent must be traversable by the cluster owner.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}
	if os.Geteuid() == 0 {
		// initdb and pg_ctl refuse to run as root: run them as postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, &ErrMissing{What: "the postgres system user", Install: "install PostgreSQL with `apt-get install -y postgresql`, which creates it"}
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			return nil, &ErrMissing{What: "runuser", Install: "install util-linux, or run as a user other than root"}
		}
		p.run = []string{runuser, "-u", "postgres", "--"}
		if p.Dir, err = p.reachableDir(ctx, dir); err != nil {
			return nil, err
		}
		dir = p.Dir
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
		if err := filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(path, uid, gid)
		}); err != nil {
			return nil, fmt.Errorf("chown %s: %w", dir, err)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
		if err := p.cmd(ctx, "initdb", "-D", data, "--auth=trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
			return nil, fmt.Errorf("initdb: %w", err)
		}
	}
	// A cluster left running by a killed process: stop it first.
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
		_ = p.cmd(ctx, "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
	}
	if p.Port = opts.Port; p.Port == 0 {
		if p.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	o := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", p.Port, dir)
	if opts.Ephemeral {
		o += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	if err := p.cmd(ctx, "pg_ctl", "-D", data, "-l", filepath.Join(dir, "pg.log"), "-w", "-t", "60", "-o", o, "start"); err != nil {
		return nil, fmt.Errorf("pg_ctl start (log in %s): %w", filepath.Join(dir, "pg.log"), err)
	}
	if err := p.ensureDatabase(ctx, "maillage"); err != nil {
		_ = p.Stop()
		return nil, err
	}
	return p, nil
}

// RelocatedBase is where, as root, a cluster goes when the postgres user
// cannot enter the folder asked for (a clone in root's home, mode 700).
const RelocatedBase = "/var/lib/maillage"

// relocatedFile, in the folder asked for, records where its cluster went.
const relocatedFile = "cluster-dir"

// reachableDir returns where the cluster of dir lives: dir itself when the
// postgres user can enter its parent; otherwise a folder of its own under
// RelocatedBase (named after dir, so each clone keeps its cluster), whose
// path is recorded in dir/cluster-dir so the next run finds it.
func (p *Postgres) reachableDir(ctx context.Context, dir string) (string, error) {
	record := filepath.Join(dir, relocatedFile)
	if b, err := os.ReadFile(record); err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b)), nil
	}
	parent := filepath.Dir(dir)
	if p.canEnter(ctx, parent) {
		return dir, nil
	}
	blocked := parent
	for d := parent; ; d = filepath.Dir(d) {
		if !p.canEnter(ctx, d) {
			blocked = d // the highest folder it cannot enter
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION")); err == nil {
		return "", fmt.Errorf("the PostgreSQL cluster in %s cannot be started because the postgres user cannot enter %s: allow it (chmod o+x %s) or move the project to a folder that user can reach", dir, blocked, blocked)
	}
	sum := sha256.Sum256([]byte(dir))
	moved := filepath.Join(RelocatedBase, "postgres-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(RelocatedBase, 0o755); err != nil {
		return "", fmt.Errorf("the postgres user cannot enter %s and %s cannot be created for the cluster (%v): allow it (chmod o+x %s) or set DATABASE_URL", blocked, RelocatedBase, err, blocked)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.WriteFile(record, []byte(moved+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("record the cluster's folder in %s: %w", record, err)
	}
	return moved, nil
}

// canEnter reports whether the cluster owner can enter folder d.
func (p *Postgres) canEnter(ctx context.Context, d string) bool {
	argv := append(append([]string{}, p.run...), "test", "-x", d)
	return exec.CommandContext(ctx, argv[0], argv[1:]...).Run() == nil
}

func (p *Postgres) ensureDatabase(ctx context.Context, name string) error {
	db, err := sql.Open("pgx", p.URL("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("check database %s: %w", name, err)
	}
	if !exists {
		if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			return fmt.Errorf("create database %s: %w", name, err)
		}
	}
	return nil
}

// Stop shuts the cluster down (fast mode: sessions are disconnected).
func (p *Postgres) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return p.cmd(ctx, "pg_ctl", "-D", filepath.Join(p.Dir, "data"), "-m", "fast", "-w", "stop")
}

func (p *Postgres) cmd(ctx context.Context, name string, args ...string) error {
	argv := append(append(append([]string{}, p.run...), filepath.Join(p.bin, name)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// Own process group: a Ctrl-C in the terminal reaches the portal, which
	// then stops the cluster in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}
