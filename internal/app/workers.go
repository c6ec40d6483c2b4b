package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"maillage/internal/config"
	"maillage/internal/mail"
	"maillage/internal/postgres"
)

// NewMailWorker builds the mail worker: SMTP when the configuration gives
// a server, else the development mailbox (mails stay in the outbox, listed
// by /dev/courriels, and are recorded as sent).
func NewMailWorker(cfg *config.Config, store *postgres.MailStore, log *slog.Logger) (*mail.Worker, error) {
	var sender mail.Sender = mail.DevMailbox{Log: log}
	if cfg.SMTPURL != nil {
		s, err := mail.NewSMTPSender(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		sender = s
	}
	return &mail.Worker{Store: store, Sender: sender, Log: log}, nil
}

// Worker is a background loop of the portal: Run works until ctx is done.
type Worker struct {
	Name string
	Run  func(ctx context.Context)
}

// Workers lists the background loops of the portal, started and stopped
// together by RunWorkers. A new one (reminders, …) is one more line here.
func (a *App) Workers() []Worker {
	return []Worker{
		{Name: "search sync", Run: a.SearchSync.Run},
		{Name: "mail", Run: a.MailWorker.Run},
		{Name: "housekeeping", Run: a.RunHousekeeping},
		{Name: "lieux imports", Run: a.LieuxImports.RunImports},
		{Name: "labels", Run: a.Labels.RunWorker},
		{Name: "past training sessions", Run: a.Training.RunPastSessions},
		{Name: "mentoring expiry", Run: a.Mentoring.RunExpiry},
		{Name: "charter announcements", Run: func(ctx context.Context) { a.Charter.RunAnnouncements(ctx, a.Log) }},
		{Name: "recruiting", Run: a.Recruiting.Run},
	}
}

// workerRestart is the pause before a worker that panicked runs again.
const workerRestart = 5 * time.Second

// RunWorkers starts every worker and returns wait, which returns once all
// have stopped after ctx is done. A worker that panics is logged and
// started again after a pause.
func (a *App) RunWorkers(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for _, w := range a.Workers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer a.Log.Info("worker stopped", "worker", w.Name)
			a.Log.Info("worker started", "worker", w.Name)
			for !a.runWorker(ctx, w) {
				select {
				case <-ctx.Done():
					return
				case <-time.After(workerRestart):
					a.Log.Info("worker started again", "worker", w.Name)
				}
			}
		}()
	}
	return wg.Wait
}

// runWorker runs w and reports whether it returned rather than panicked.
func (a *App) runWorker(ctx context.Context, w Worker) (returned bool) {
	defer func() {
		if p := recover(); p != nil {
			a.Log.Error("worker panicked", "worker", w.Name, "panic", fmt.Sprint(p))
		}
	}()
	w.Run(ctx)
	return true
}
