package search

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// wait waits for a task and checks its status: WaitForTask returns a failed
// task with a nil error.
func (c *Client) wait(ctx context.Context, info *meilisearch.TaskInfo) error {
	if info == nil {
		return errors.New("meilisearch: no task returned")
	}
	return c.waitUID(ctx, info.TaskUID)
}

func (c *Client) waitUID(ctx context.Context, uid int64) error {
	// Poll fast at first (small tasks finish in a few ms), then every 20 ms:
	// the sync lag includes this interval.
	interval := 2 * time.Millisecond
	for {
		t, err := c.ms.GetTaskWithContext(ctx, uid)
		if err != nil {
			return fmt.Errorf("task %d: %w", uid, err)
		}
		switch t.Status {
		case meilisearch.TaskStatusSucceeded:
			return nil
		case meilisearch.TaskStatusFailed, meilisearch.TaskStatusCanceled:
			return &TaskError{UID: uid, Type: string(t.Type), Index: t.IndexUID, Status: string(t.Status), Code: t.Error.Code, Message: t.Error.Message}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("task %d: %w", uid, ctx.Err())
		case <-time.After(interval):
		}
		if interval *= 2; interval > 20*time.Millisecond {
			interval = 20 * time.Millisecond
		}
	}
}

// TaskError is a Meilisearch task that failed or was canceled.
type TaskError struct {
	UID                                int64
	Type, Index, Status, Code, Message string
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("task %d (%s on %s) %s: %s (%s)", e.UID, e.Type, e.Index, e.Status, e.Message, e.Code)
}

// refused reports whether err is Meilisearch refusing a document (a value
// it cannot index, a payload too large), as opposed to being unreachable or
// failing: sending the same document again cannot succeed.
func refused(err error) bool {
	code := ""
	var te *TaskError
	var me *meilisearch.Error
	switch {
	case errors.As(err, &te):
		code = te.Code
	case errors.As(err, &me) && me.StatusCode == http.StatusRequestEntityTooLarge:
		return true // from Meilisearch or a proxy in front of it
	case errors.As(err, &me) && me.StatusCode == http.StatusBadRequest:
		code = me.MeilisearchApiError.Code
	}
	switch {
	case strings.HasPrefix(code, "invalid_document_"):
		return true
	case code == "missing_document_id", code == "max_fields_limit_exceeded", code == "payload_too_large", code == "malformed_payload":
		return true
	}
	return false
}

// waitAll waits for every task and returns the first failure.
func (c *Client) waitAll(ctx context.Context, uids []int64) error {
	for _, uid := range uids {
		if err := c.waitUID(ctx, uid); err != nil {
			return err
		}
	}
	return nil
}

func isNotFound(err error) bool {
	var me *meilisearch.Error
	return errors.As(err, &me) && me.StatusCode == http.StatusNotFound
}

// ensureIndex creates uid when missing, applies the spec's settings, waits,
// and reads them back to check them.
func (c *Client) ensureIndex(ctx context.Context, uid string, s *IndexSpec) error {
	_, err := c.ensureIndexCreated(ctx, uid, s)
	return err
}

// ensureIndexCreated is ensureIndex that also says whether the index had
// to be created.
func (c *Client) ensureIndexCreated(ctx context.Context, uid string, s *IndexSpec) (created bool, err error) {
	if _, err := c.ms.GetIndexWithContext(ctx, uid); err != nil {
		if !isNotFound(err) {
			return false, fmt.Errorf("get index %s: %w", uid, err)
		}
		info, err := c.ms.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: s.PrimaryKey})
		if err != nil {
			return false, fmt.Errorf("create index %s: %w", uid, err)
		}
		if err := c.wait(ctx, info); err != nil {
			return false, fmt.Errorf("create index %s: %w", uid, err)
		}
		created = true
	}
	idx := c.ms.Index(uid)
	info, err := idx.UpdateSettingsWithContext(ctx, s.Settings())
	if err != nil {
		return created, fmt.Errorf("settings of %s: %w", uid, err)
	}
	if err := c.wait(ctx, info); err != nil {
		return created, fmt.Errorf("settings of %s: %w", uid, err)
	}
	got, err := idx.GetSettingsWithContext(ctx)
	if err != nil {
		return created, fmt.Errorf("read settings of %s: %w", uid, err)
	}
	return created, s.check(got)
}

// EnsureIndexes creates the indexes that are missing and applies every
// spec's settings (idempotent), then checks them. It returns the specs
// whose index it had to create.
func (c *Client) EnsureIndexes(ctx context.Context, specs []*IndexSpec) (created []*IndexSpec, err error) {
	for _, s := range specs {
		made, err := c.ensureIndexCreated(ctx, c.Index(s.Name), s)
		if made {
			created = append(created, s)
		}
		if err != nil {
			return created, err
		}
	}
	return created, nil
}
