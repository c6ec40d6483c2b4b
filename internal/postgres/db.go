// Package postgres implements the domain services on PostgreSQL through bun
// and pgdialect. Transactions live here.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"maillage/internal/maillage"
)

// DB wraps the bun handle shared by the services.
type DB struct {
	*bun.DB
}

// Open connects to PostgreSQL and checks the connection.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgconnConfig(url)
	if err != nil {
		return nil, err
	}
	// The portal's queries are short: PostgreSQL's JIT compiles some of
	// them (the directory's counts cost more than jit_above_cost) for
	// 0.4 s of compiling to save milliseconds. Off unless the URL says.
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(20)
	sqldb.SetMaxIdleConns(10)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{bun.NewDB(sqldb, pgdialect.New())}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return db, nil
}

// Ping checks that PostgreSQL answers.
func (db *DB) Ping(ctx context.Context) error { return db.PingContext(ctx) }

// RunInTx runs fn in one transaction.
func (db *DB) RunInTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return db.DB.RunInTx(ctx, &sql.TxOptions{}, fn)
}

// translate maps storage errors to domain errors.
func translate(err error, notFound string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return maillage.Wrap(maillage.ENOTFOUND, err, notFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return maillage.Wrap(maillage.ECONFLICT, err, "error.conflict")
		case "23503", "23514", "22001", "22P02", "22021":
			return maillage.Wrap(maillage.EINVALID, err, "error.data_refused")
		}
	}
	return err
}
