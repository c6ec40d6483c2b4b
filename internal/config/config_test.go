package config_test

import (
	"errors"
	"strings"
	"testing"

	"maillage/internal/config"
)

func TestLoad(t *testing.T) {
	valid := map[string]string{
		"DATABASE_URL":     "postgres://u:p@127.0.0.1:5432/maillage?sslmode=disable",
		"MEILI_URL":        "http://127.0.0.1:7700",
		"MEILI_MASTER_KEY": "0123456789abcdef0123",
	}
	tests := []struct {
		name    string
		env     map[string]string
		local   bool
		wantVar string // "" means valid
	}{
		{"valid", nil, false, ""},
		{"local services need no urls", map[string]string{"DATABASE_URL": "", "MEILI_URL": "", "MEILI_MASTER_KEY": ""}, true, ""},
		{"serve needs a database", map[string]string{"DATABASE_URL": ""}, false, "DATABASE_URL"},
		{"serve needs meilisearch", map[string]string{"MEILI_URL": ""}, false, "MEILI_URL"},
		{"base url not absolute", map[string]string{"MAILLAGE_BASE_URL": "nope"}, false, "MAILLAGE_BASE_URL"},
		{"base url ftp", map[string]string{"MAILLAGE_BASE_URL": "ftp://x.fr"}, false, "MAILLAGE_BASE_URL"},
		{"database url wrong scheme", map[string]string{"DATABASE_URL": "mysql://x/y"}, false, "DATABASE_URL"},
		{"database url without name", map[string]string{"DATABASE_URL": "postgres://u@h:5432"}, false, "DATABASE_URL"},
		{"meili key too short", map[string]string{"MEILI_MASTER_KEY": "short"}, false, "MEILI_MASTER_KEY"},
		{"meili url malformed", map[string]string{"MEILI_URL": "127.0.0.1:7700"}, false, "MEILI_URL"},
		{"addr without port", map[string]string{"MAILLAGE_ADDR": "localhost"}, false, "MAILLAGE_ADDR"},
		{"addr port not a number", map[string]string{"MAILLAGE_ADDR": ":http2"}, false, "MAILLAGE_ADDR"},
		{"env unknown", map[string]string{"MAILLAGE_ENV": "staging"}, false, "MAILLAGE_ENV"},
		{"log level unknown", map[string]string{"MAILLAGE_LOG_LEVEL": "loud"}, false, "MAILLAGE_LOG_LEVEL"},
		{"demo not a bool", map[string]string{"MAILLAGE_DEMO": "maybe"}, false, "MAILLAGE_DEMO"},
		{"production needs https", map[string]string{"MAILLAGE_ENV": "production", "MAILLAGE_BASE_URL": "http://maillage.fr"}, false, "MAILLAGE_BASE_URL"},
		{"index prefix charset", map[string]string{"MEILI_INDEX_PREFIX": "a b"}, false, "MEILI_INDEX_PREFIX"},
		{"shutdown timeout", map[string]string{"MAILLAGE_SHUTDOWN_TIMEOUT": "-3s"}, false, "MAILLAGE_SHUTDOWN_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range valid {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := config.Load(func(k string) string { return env[k] }, config.Options{LocalServices: tt.local})
			if tt.wantVar == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if cfg.BaseURL == nil || cfg.Addr == "" {
					t.Fatalf("incomplete config: %+v", cfg)
				}
				return
			}
			var ps config.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("want config.Problems naming %s, got %v", tt.wantVar, err)
			}
			if !strings.Contains(err.Error(), tt.wantVar+" must be") {
				t.Fatalf("error does not name %s with what it expects: %v", tt.wantVar, err)
			}
		})
	}
}

func TestLoadRedactsPassword(t *testing.T) {
	_, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": "mysql://bob:secret@h/db", "MEILI_URL": "http://m", "MEILI_MASTER_KEY": "0123456789abcdef"}[k]
	}, config.Options{})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("want an error without the password, got %v", err)
	}
}

func TestBaseURLDefaultsToListenPort(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"MAILLAGE_ADDR": "0.0.0.0:9123"}[k]
	}, config.Options{LocalServices: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.BaseURL.String(); got != "http://localhost:9123" {
		t.Fatalf("base url %q", got)
	}
	if !cfg.Demo {
		t.Fatal("run with local services loads demo data by default")
	}
}
