package main

import (
	"os"
	"testing"

	"maillage/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"no command", nil, nil, exitConfig},
		{"unknown command", nil, []string{"fly"}, exitConfig},
		{"malformed base url", map[string]string{"MAILLAGE_BASE_URL": "nope"}, []string{"run"}, exitConfig},
		{"serve without database", map[string]string{"DATABASE_URL": "", "MEILI_URL": ""}, []string{"serve"}, exitConfig},
		{"migrate without verb", nil, []string{"migrate"}, exitConfig},
		{"help", nil, []string{"help"}, exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if got := run(tt.args); got != tt.want {
				t.Fatalf("run(%v) = %d, want %d", tt.args, got, tt.want)
			}
		})
	}
}
