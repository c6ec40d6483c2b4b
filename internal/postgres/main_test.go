package postgres_test

import (
	"os"
	"testing"

	"maillage/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
