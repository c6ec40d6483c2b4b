// Package search wraps Meilisearch: the client, index settings as code, the
// outbox-driven sync and the queries. PostgreSQL stays the source of truth.
package search

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// Client is the portal's Meilisearch client, wired once.
type Client struct {
	ms     meilisearch.ServiceManager
	Prefix string
	// readiness of this prefix's indexes, shared by the Syncer and the
	// Service built on this client.
	readiness Readiness
}

// New builds the client. Compression is off on purpose: with Go's default
// transport (which asks for gzip) each search on a kept-alive connection
// waits ~40 ms for delayed ACKs.
func New(url, key, prefix string) *Client {
	hc := &http.Client{
		Timeout: 30 * time.Second,
		Transport: tracing{&http.Transport{
			DisableCompression:  true,
			MaxIdleConns:        100,
			MaxIdleConnsPerHost: 100,
			IdleConnTimeout:     90 * time.Second,
			DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		}},
	}
	return &Client{
		ms:     meilisearch.New(url, meilisearch.WithAPIKey(key), meilisearch.WithCustomClient(hc)),
		Prefix: prefix,
	}
}

// Readiness says which of this client's indexes may answer searches.
func (c *Client) Readiness() *Readiness { return &c.readiness }

// Manager exposes the underlying client to this package's files.
func (c *Client) Manager() meilisearch.ServiceManager { return c.ms }

// Ping checks that Meilisearch answers and is available.
func (c *Client) Ping(ctx context.Context) error {
	h, err := c.ms.HealthWithContext(ctx)
	if err != nil {
		return err
	}
	if h.Status != "available" {
		return fmt.Errorf("meilisearch status %q", h.Status)
	}
	return nil
}

// Index returns the prefixed uid of a logical index name.
func (c *Client) Index(name string) string { return c.Prefix + name }

// DeleteAllIndexes removes every index under the client's prefix (tests).
func (c *Client) DeleteAllIndexes(ctx context.Context) error {
	res, err := c.ms.ListIndexesWithContext(ctx, &meilisearch.IndexesQuery{Limit: 1000})
	if err != nil {
		return err
	}
	for _, idx := range res.Results {
		if len(idx.UID) >= len(c.Prefix) && idx.UID[:len(c.Prefix)] == c.Prefix {
			if _, err := c.ms.DeleteIndexWithContext(ctx, idx.UID); err != nil {
				return err
			}
		}
	}
	return nil
}
