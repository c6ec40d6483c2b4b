package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// CV files: kept under FilesDir/cv, outside the web root, each under a
// random name (never a name the browser sent), readable by the portal's
// user only, and served only through OpenCV's checks. A file is written
// before the transaction that records it and removed if that transaction
// fails; files that no application holds any more (a deleted account) are
// removed by the recruiting worker.

func (s *RecruitingService) cvDir() string { return filepath.Join(s.FilesDir, "cv") }

var cvFileName = regexp.MustCompile(`^[0-9a-f]{32}\.pdf$`)

// saveCV writes data under a new random name and returns the name and the
// SHA-256 of the content.
func (s *RecruitingService) saveCV(data []byte) (name, sum string, err error) {
	if s.FilesDir == "" {
		return "", "", errors.New("no folder for uploaded files (MAILLAGE_FILES_DIR)")
	}
	dir := s.cvDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("CV folder: %w", err)
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	name = hex.EncodeToString(b) + ".pdf"
	h := sha256.Sum256(data)
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", "", fmt.Errorf("CV file: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", "", fmt.Errorf("write CV: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", "", fmt.Errorf("write CV: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", "", fmt.Errorf("write CV: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return "", "", fmt.Errorf("store CV: %w", err)
	}
	return name, hex.EncodeToString(h[:]), nil
}

func (s *RecruitingService) removeCV(name string) {
	if cvFileName.MatchString(name) {
		_ = os.Remove(filepath.Join(s.cvDir(), name))
	}
}

// openCV opens a stored CV by its recorded name.
func (s *RecruitingService) openCV(name string) (io.ReadCloser, error) {
	if !cvFileName.MatchString(name) {
		return nil, fmt.Errorf("CV file name %q", name)
	}
	return os.Open(filepath.Join(s.cvDir(), name))
}

// SweepCVs removes the CV files that no application records, once older
// than an hour (an upload whose transaction is still running is not
// touched), and returns how many.
func (s *RecruitingService) SweepCVs(ctx context.Context, now time.Time) (int, error) {
	entries, err := os.ReadDir(s.cvDir())
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	var held []string
	if err := s.db.NewRaw("SELECT cv_file FROM job_applications WHERE cv_file IS NOT NULL").Scan(ctx, &held); err != nil {
		return 0, fmt.Errorf("CV files held: %w", err)
	}
	keep := map[string]bool{}
	for _, h := range held {
		keep[h] = true
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || keep[name] || !(cvFileName.MatchString(name) || strings.HasPrefix(name, ".upload-")) {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < time.Hour {
			continue
		}
		if os.Remove(filepath.Join(s.cvDir(), name)) == nil {
			n++
		}
	}
	return n, nil
}
