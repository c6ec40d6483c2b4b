package lieux

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"maillage/internal/maillage"
)

// JobStatus is where a background import stands.
type JobStatus string

// The statuses of a background import.
const (
	JobQueued  JobStatus = "queued"
	JobRunning JobStatus = "running"
	JobDone    JobStatus = "done"
	JobFailed  JobStatus = "failed"
)

// JobStatusKeys name the statuses in the catalogues.
var JobStatusKeys = map[JobStatus]string{JobQueued: KeyJobQueued, JobRunning: KeyJobRunning, JobDone: KeyJobDone, JobFailed: KeyJobFailed}

// Job is a background import of a file of places.
type Job struct {
	ID        int64     `json:"id"`
	ActorID   int64     `json:"-"`
	FileName  string    `json:"file_name"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	Status    JobStatus `json:"status"`
	RowsDone  int       `json:"rows_done"`  // good rows stored so far
	RowsTotal int       `json:"rows_total"` // good rows to store (0 until the file is read)
	Created   int       `json:"created"`
	Updated   int       `json:"updated"`
	// Summary is the readable report, once the import is done.
	Summary *Summary `json:"summary,omitempty"`
	// ErrorKey and ErrorArgs say why a failed import failed: the file could
	// not be read (its lieux.file.* key) or storing failed (KeyJobInternal).
	ErrorKey   string     `json:"error_key,omitempty"`
	ErrorArgs  []any      `json:"error_args,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Matched are the warnings of the batches already stored (a job taken
	// up again after a restart goes on from RowsDone).
	Matched []RowError `json:"-"`
}

// Done reports whether the import has ended, well or not.
func (j *Job) Done() bool { return j.Status == JobDone || j.Status == JobFailed }

// JobStore keeps background imports and stores their places.
type JobStore interface {
	// Communes returns the communes referential.
	Communes(ctx context.Context) (Communes, error)
	// Territory returns where an import of actorID may write: everywhere
	// for an administrator, the territory of a coordinator, nowhere for
	// anyone else (a role revoked since the upload, an account deleted).
	Territory(ctx context.Context, actorID int64) (Territory, error)
	// CreateJob queues an import of data.
	CreateJob(ctx context.Context, j *Job, data []byte) (int64, error)
	// FindJob returns a job (ENOTFOUND when there is none).
	FindJob(ctx context.Context, id int64) (*Job, error)
	// JobReport returns the whole report of a done job.
	JobReport(ctx context.Context, id int64) (*maillage.ImportReport, error)
	// ClaimJob takes the oldest job queued, or left running with no news for
	// longer than stale (its process died), and marks it running; nil when
	// there is none. Claims use FOR UPDATE SKIP LOCKED.
	ClaimJob(ctx context.Context, stale time.Duration) (*Job, []byte, error)
	// SetJobTotal records how many good rows the file has.
	SetJobTotal(ctx context.Context, id int64, total int) error
	// StoreJobBatch stores a batch (as Store.StoreBatch) and records, in the
	// same transaction, that done good rows are stored and what they gave.
	StoreJobBatch(ctx context.Context, id int64, b *Batch, done int) (Stored, error)
	// FinishJob records the report and ends the job.
	FinishJob(ctx context.Context, id int64, rep *maillage.ImportReport, sum *Summary) error
	// FailJob ends the job with the reason.
	FailJob(ctx context.Context, id int64, key string, args []any) error
	// RequeueJob puts a running job back in the queue (on shutdown).
	RequeueJob(ctx context.Context, id int64) error
}

// Service runs imports of places in the background, one at a time.
type Service struct {
	Store   JobStore
	Log     *slog.Logger
	MaxSize int64         // largest file accepted; 10 MiB when 0
	Poll    time.Duration // how often the worker looks for a job; 2 s when 0
	Stale   time.Duration // a running job with no news for that long is taken up again; 1 min when 0
}

// MaxFileSize is the default largest file accepted.
const MaxFileSize = 10 << 20

func (s *Service) maxSize() int64 {
	if s.MaxSize > 0 {
		return s.MaxSize
	}
	return MaxFileSize
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// StartImport queues the import of a file and returns its job id. The file
// is read by the worker (RunImports); FindImport follows it.
func (s *Service) StartImport(ctx context.Context, actorID int64, name string, data []byte) (int64, error) {
	if int64(len(data)) > s.maxSize() {
		return 0, maillage.Errorf(maillage.EINVALID, KeyFileTooLarge, "Max", s.maxSize()>>20)
	}
	if len(data) == 0 {
		return 0, maillage.Errorf(maillage.EINVALID, KeyFileEmpty)
	}
	sum := sha256.Sum256(data)
	j := &Job{ActorID: actorID, FileName: fileName(name), Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Status: JobQueued}
	return s.Store.CreateJob(ctx, j, data)
}

// fileName keeps the base name of an uploaded file, without control
// characters, 200 characters at most.
func fileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if badControl(r) || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, name)
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "")
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if name == "" || name == "." || name == "/" {
		name = "lieux"
	}
	return name
}

// FindImport returns an import with its progress, and its summary once done.
func (s *Service) FindImport(ctx context.Context, id int64) (*Job, error) {
	return s.Store.FindJob(ctx, id)
}

// ImportReport returns the whole report of a done import (for
// WriteReportCSV).
func (s *Service) ImportReport(ctx context.Context, id int64) (*maillage.ImportReport, error) {
	return s.Store.JobReport(ctx, id)
}

// RunImports runs queued imports one at a time until ctx is done. A job
// interrupted by the end of ctx goes back to the queue; one left running by
// a process that died is taken up again after Stale.
func (s *Service) RunImports(ctx context.Context) {
	poll := s.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	for ctx.Err() == nil {
		ran, err := s.RunOne(ctx)
		if err != nil && ctx.Err() == nil {
			s.log().Error("lieux import", "err", err)
		}
		if ran && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
}

// RunOne runs the next import, if any, and reports whether there was one.
func (s *Service) RunOne(ctx context.Context) (bool, error) {
	stale := s.Stale
	if stale <= 0 {
		stale = time.Minute
	}
	j, data, err := s.Store.ClaimJob(ctx, stale)
	if err != nil || j == nil {
		return false, err
	}
	if err := s.run(ctx, j, data); err != nil {
		if ctx.Err() != nil {
			if rerr := s.Store.RequeueJob(context.WithoutCancel(ctx), j.ID); rerr != nil {
				return true, errors.Join(err, rerr)
			}
			return true, err
		}
		if ferr := s.Store.FailJob(context.WithoutCancel(ctx), j.ID, KeyJobInternal, nil); ferr != nil {
			return true, errors.Join(err, ferr)
		}
		return true, fmt.Errorf("import %d: %w", j.ID, err)
	}
	return true, nil
}

func (s *Service) run(ctx context.Context, j *Job, data []byte) error {
	communes, err := s.Store.Communes(ctx)
	if err != nil {
		return err
	}
	// The territory is read when the import runs: a coordinator whose
	// role was revoked meanwhile writes nothing.
	territory, err := s.Store.Territory(ctx, j.ActorID)
	if err != nil {
		return err
	}
	rep, err := Parse(bytes.NewReader(data), DetectFormat(j.FileName, data[:min(len(data), 512)]), Options{Communes: communes, Territory: territory})
	if err != nil {
		if maillage.ErrorCode(err) == maillage.EINVALID {
			key, args := maillage.ErrorKey(err)
			return s.Store.FailJob(ctx, j.ID, key, args)
		}
		return err
	}
	if err := s.Store.SetJobTotal(ctx, j.ID, len(rep.Rows)); err != nil {
		return err
	}
	b := NewBatch(rep, j.FileName, territory)
	total := Stored{Created: j.Created, Updated: j.Updated, Matched: j.Matched}
	for i := min(j.RowsDone, len(rep.Rows)); i < len(rep.Rows); i += BatchSize {
		b.Rows = rep.Rows[i:min(i+BatchSize, len(rep.Rows))]
		st, err := s.Store.StoreJobBatch(ctx, j.ID, b, i+len(b.Rows))
		if err != nil {
			return err
		}
		total.Created += st.Created
		total.Updated += st.Updated
		total.Matched = append(total.Matched, st.Matched...)
	}
	full := rep.ImportReport(total)
	return s.Store.FinishJob(ctx, j.ID, full, Summarize(full))
}
