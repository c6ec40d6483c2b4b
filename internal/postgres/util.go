package postgres

import (
	"database/sql"
	"errors"

	"github.com/uptrace/bun/dialect/pgdialect"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func pgdialectArray(v any) any { return pgdialect.Array(v) }
