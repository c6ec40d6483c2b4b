package search

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
	// Poll fast at first (most sync tasks finish in a few ms), then slower.
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
			return fmt.Errorf("task %d (%s on %s) %s: %s (%s)", uid, t.Type, t.IndexUID, t.Status, t.Error.Message, t.Error.Code)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("task %d: %w", uid, ctx.Err())
		case <-time.After(interval):
		}
		if interval < 50*time.Millisecond {
			interval *= 2
		}
	}
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
	if _, err := c.ms.GetIndexWithContext(ctx, uid); err != nil {
		if !isNotFound(err) {
			return fmt.Errorf("get index %s: %w", uid, err)
		}
		info, err := c.ms.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: s.PrimaryKey})
		if err != nil {
			return fmt.Errorf("create index %s: %w", uid, err)
		}
		if err := c.wait(ctx, info); err != nil {
			return fmt.Errorf("create index %s: %w", uid, err)
		}
	}
	idx := c.ms.Index(uid)
	info, err := idx.UpdateSettingsWithContext(ctx, s.Settings())
	if err != nil {
		return fmt.Errorf("settings of %s: %w", uid, err)
	}
	if err := c.wait(ctx, info); err != nil {
		return fmt.Errorf("settings of %s: %w", uid, err)
	}
	got, err := idx.GetSettingsWithContext(ctx)
	if err != nil {
		return fmt.Errorf("read settings of %s: %w", uid, err)
	}
	return s.check(got)
}

// EnsureIndexes creates the indexes that are missing and applies every
// spec's settings (idempotent), then checks them. Run at start-up.
func (c *Client) EnsureIndexes(ctx context.Context, specs []*IndexSpec) error {
	for _, s := range specs {
		if err := c.ensureIndex(ctx, c.Index(s.Name), s); err != nil {
			return err
		}
	}
	return nil
}
