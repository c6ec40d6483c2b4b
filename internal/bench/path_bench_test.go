package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"maillage/internal/maillage"
	"maillage/internal/testenv"
	"maillage/internal/training"
)

// BenchmarkPath is the training-path scenario of `make bench BENCH=path`:
//
//  1. an LHEO 2.3 file of 10,000 formations (2 sessions each, all
//     upcoming, in real communes weighted by population, overseas
//     included, some remote) is imported by `maillage import lheo` in one
//     transaction: wall time and the command's peak RSS;
//  2. the service's index of upcoming sessions is built (read from
//     PostgreSQL: time), then 1,000 people across France, each missing 1
//     to 6 blocs of a title, ask for their path (the sessions of their
//     missing blocs within their radius or remote, and the exact
//     fewest-sessions cover): p50, p95, max.
//
// The certifications are the synthetic ones of training.Synthetic (12
// titles of 3 to 7 blocs), written into the bench's database first.
func BenchmarkPath(b *testing.B) {
	env := testenv.Get(b)
	a := env.App(b)
	ctx := context.Background()
	now := time.Now()
	g := training.NewSynthetic(20261202, now.Add(24*time.Hour))

	for _, c := range g.Certifications() {
		if _, err := a.DB.NewRaw(`INSERT INTO certifications (code, kind, number, number_confirmed, title, level) VALUES (?, 'RNCP', ?, true, ?, ?)
			ON CONFLICT (code) DO NOTHING`, c.Code, c.Number, c.Title, c.Level).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		for _, bl := range c.Blocs {
			if _, err := a.DB.NewRaw(`INSERT INTO blocs (code, certification_code, rank, label, status) VALUES (?, ?, ?, ?, 'confirme')
				ON CONFLICT (code) DO NOTHING`, bl.Code, c.Code, bl.Rank, bl.Label).Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}

	// Real communes, drawn by population.
	var communes []struct {
		Code       string   `bun:"code_insee"`
		Nom        string   `bun:"nom"`
		Postcodes  []string `bun:"codes_postaux,array"`
		Population int      `bun:"population"`
		Lat        float64  `bun:"latitude"`
		Lng        float64  `bun:"longitude"`
	}
	if err := a.DB.NewRaw(`SELECT code_insee, nom, codes_postaux, coalesce(population, 0) AS population, latitude, longitude FROM communes
		WHERE cardinality(codes_postaux) > 0 AND coalesce(population, 0) > 0 ORDER BY code_insee`).Scan(ctx, &communes); err != nil {
		b.Fatal(err)
	}
	cum := make([]int, len(communes))
	total := 0
	for i, c := range communes {
		total += c.Population
		cum[i] = total
	}
	r := rand.New(rand.NewPCG(1, 2))
	pick := func() int { return sort.SearchInts(cum, r.IntN(total)+1) }
	place := func(i int) training.Place {
		c := communes[i]
		return training.Place{CodeInsee: c.Code, Postcode: c.Postcodes[0], City: c.Nom}
	}

	// 1. The LHEO file and its import by the command.
	const formations, perFormation = 10000, 2
	bodies := map[int64]*training.Body{}
	for _, bd := range g.Bodies() {
		cp := *bd
		p := place(pick())
		p.Address = bd.Address.Address
		cp.Address, cp.StructureID = p, 0
		bodies[bd.StructureID] = &cp
	}
	var file bytes.Buffer
	lw := training.NewLHEOWriter(&file, training.ExportOptions{Certifications: training.NewCertIndex(g.Certifications()), Now: now})
	overseas := 0
	for i := range formations {
		f := g.FormationWithSessions(i, perFormation)
		o := f.Offer
		o.ID, o.StructureID = 0, 0
		for _, s := range o.Sessions {
			s.ID, s.OfferID = 0, 0
			if !s.Place.Remote {
				k := pick()
				addr := s.Place.Address
				s.Place = place(k)
				s.Place.Address = addr
				if len(communes[k].Code) == 5 && communes[k].Code[:2] == "97" {
					overseas++
				}
			}
		}
		if err := lw.Write(bodies[f.Body.StructureID], o); err != nil {
			b.Fatalf("formation %d: %v", i, err)
		}
	}
	if err := lw.Close(); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "formations.lheo.xml")
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	bin := maillageBinary(b, dir)
	cmd := exec.CommandContext(ctx, bin, "import", "lheo", path)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+env.DatabaseURL, "MAILLAGE_LOG_LEVEL=warn")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	// The command's own peak RSS: VmHWM of its process, read while it
	// runs (the rusage of a child started by vfork counts the parent's
	// pages, this benchmark's 70 MB file included).
	peakKB := int64(0)
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		for {
			if kb := vmHWM(status); kb > peakKB {
				peakKB = kb
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(stop)
	<-polled
	if err != nil {
		b.Fatalf("maillage import lheo: %v\n%s", err, out.String())
	}
	importTime := time.Since(t0)
	var indexed int
	var build time.Duration
	var upcoming int
	if err := a.DB.NewRaw("SELECT count(*) FROM training_sessions WHERE start_at > now()").Scan(ctx, &upcoming); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("LHEO import: %d formations (%.1f MB, %d sessions in overseas communes) in %s, %.0f formations/s, peak RSS of the command %.0f MB; %d upcoming sessions stored\n",
		formations, float64(file.Len())/(1<<20), overseas, importTime.Round(time.Millisecond), float64(formations)/importTime.Seconds(), float64(peakKB)/1024, upcoming)
	fmt.Printf("  %s\n", lastLine(out.String()))
	b.ReportMetric(importTime.Seconds(), "import_s")
	b.ReportMetric(float64(peakKB)/1024, "import_peak_MB")

	// 2. Paths of 1,000 people missing 1 to 6 blocs, answered from the
	// service's index of upcoming sessions (built once, then after each
	// change).
	indexed, build, err = a.Training.IndexedSessions(ctx)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("index of upcoming sessions: %d sessions read and indexed in %s\n", indexed, build.Round(time.Millisecond))
	b.ReportMetric(build.Seconds()*1000, "index_build_ms")
	certs := g.Certifications()
	var durations []time.Duration
	var coverSizes, proposed, uncovered int
	for i := range 1000 {
		k := 1 + i%6
		var c *maillage.Certification
		for c == nil || len(c.Blocs) < k {
			c = certs[r.IntN(len(certs))]
		}
		person := training.Person{RadiusKm: float64([]int{20, 40, 40, 100}[r.IntN(4)]), Remote: r.IntN(2) == 0}
		cm := communes[pick()]
		person.Lat, person.Lon = cm.Lat, cm.Lng
		for _, j := range r.Perm(len(c.Blocs))[k:] {
			person.Blocs = append(person.Blocs, training.HeldBloc{Code: c.Blocs[j].Code, Evidence: maillage.EvidenceCertified})
		}
		t0 := time.Now()
		p, err := a.Training.PathForPerson(ctx, person, c.Code, now)
		durations = append(durations, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Missing) != k {
			b.Fatalf("person %d misses %d blocs, want %d", i, len(p.Missing), k)
		}
		coverSizes += len(p.Cover)
		uncovered += len(p.Uncovered)
		for _, bs := range p.Sessions {
			proposed += len(bs.Sessions)
		}
	}
	slices.Sort(durations)
	q := func(f float64) time.Duration { return durations[int(f*float64(len(durations)-1))] }
	fmt.Printf("paths: 1000 people missing 1–6 blocs among %d upcoming sessions: p50 %s, p95 %s, max %s; on average %.1f sessions proposed, a cover of %.2f sessions, %.2f blocs no session covers\n",
		upcoming, q(0.5).Round(10*time.Microsecond), q(0.95).Round(10*time.Microsecond), durations[len(durations)-1].Round(10*time.Microsecond),
		float64(proposed)/1000, float64(coverSizes)/1000, float64(uncovered)/1000)
	b.ReportMetric(float64(q(0.5).Microseconds())/1000, "path_p50_ms")
	b.ReportMetric(float64(q(0.95).Microseconds())/1000, "path_p95_ms")
}

// maillageBinary returns bin/maillage (built by make bench), or builds it.
func maillageBinary(b *testing.B, dir string) string {
	if p, err := filepath.Abs(filepath.Join("..", "..", "bin", "maillage")); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	out := filepath.Join(dir, "maillage")
	if msg, err := exec.Command("go", "build", "-o", out, "maillage/cmd/maillage").CombinedOutput(); err != nil {
		b.Fatalf("build maillage: %v\n%s", err, msg)
	}
	return out
}

// vmHWM reads the peak resident set (kB) of a process from its status.
func vmHWM(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

func lastLine(s string) string {
	lines := bytes.Split(bytes.TrimSpace([]byte(s)), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if l := bytes.TrimSpace(lines[i]); len(l) > 0 && !bytes.HasPrefix(l, []byte("\r")) {
			return string(l)
		}
	}
	return ""
}
