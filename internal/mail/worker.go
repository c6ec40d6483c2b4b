// Package mail sends the mails of the portal through a PostgreSQL outbox.
// A mail is written to the outbox (the mails table) by the storage of the
// change that causes it, in the same transaction; the Worker claims due
// mails, hands each to a Sender (SMTPSender, or DevMailbox in development)
// and records the outcome: sent, failed (tried again with backoff), or
// abandoned (refused for good, or too many attempts; the row is kept).
//
// Nothing is lost: a mail stays in the table until it is sent or abandoned,
// whatever happens to the SMTP server or to the portal. Nothing is sent
// twice, with one exception kept as small as it can be: a mail is recorded
// as sent right after the server's reply to the end of DATA (QUIT comes
// later), in a context that shutting down does not cancel, retried if the
// database hiccups. Only a crash of the portal (or a database outage
// longer than the lease) in the milliseconds between that reply and the
// UPDATE, or a connection cut after the final dot and before the reply,
// leaves a mail accepted and not recorded: another attempt then sends it
// again, with the same Message-ID and Date, so it is recognisable as the
// same mail (and receiving servers that drop duplicates drop it).
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"maillage/internal/maillage"
)

// Outbox is the storage the worker drains (postgres.MailStore).
type Outbox interface {
	// ClaimMails leases up to limit mails due at now until now+lease;
	// concurrent claims (other workers, other instances) get other mails.
	ClaimMails(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*maillage.Mail, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error
	MarkFailed(ctx context.Context, id int64, reason string, next time.Time) error
	AbandonMail(ctx context.Context, id int64, reason string, at time.Time) error
	// ReleaseMails ends the lease of claimed mails that were not tried.
	ReleaseMails(ctx context.Context, ids []int64) error
	// NextMailAt says when the next pending mail can be claimed.
	NextMailAt(ctx context.Context) (time.Time, bool, error)
	// ListenMails calls wake once listening and at each new mail, until ctx
	// is done or the connection fails.
	ListenMails(ctx context.Context, wake func()) error
}

// Defaults of the worker.
const (
	DefaultMaxAttempts = 60 // with DefaultBackoff: about a day of outage
	DefaultBatch       = 10
	DefaultLease       = 5 * time.Minute
	DefaultSendTimeout = 30 * time.Second
	DefaultPoll        = time.Minute
)

// Worker sends the outbox. Run it once per portal instance; instances
// share the table safely (each claim leases its mails).
type Worker struct {
	Store  Outbox
	Sender Sender
	Log    *slog.Logger
	Clock  func() time.Time // nil: time.Now

	Backoff     Backoff // zero: DefaultBackoff
	MaxAttempts int     // attempts before giving up (0: DefaultMaxAttempts)
	Batch       int     // mails per claim (0: DefaultBatch)
	// Lease is how long a claim holds its mails (0: DefaultLease). A mail
	// is only tried while at least SendTimeout of its lease is left, so a
	// lease never ends under an attempt in progress.
	Lease time.Duration
	// SendTimeout bounds one attempt (0: DefaultSendTimeout). Stopping the
	// worker does not cut an attempt short: it ends within this time.
	SendTimeout time.Duration
	// Poll is the longest sleep (0: DefaultPoll). New mails wake the worker
	// at once (LISTEN/NOTIFY) and retries are slept until their time, so
	// polling only covers a lost notification connection.
	Poll time.Duration
	// Rand draws the jitter of the backoff (nil: math/rand/v2).
	Rand func() float64

	outage outage
}

// outage follows a server that does not answer, so that it is logged when
// it starts, every outageReminder while it lasts, and when it ends, rather
// than at every postponed batch.
type outage struct {
	since, warned time.Time
	postponed     int // failed attempts meanwhile
}

const outageReminder = 10 * time.Minute

func (w *Worker) init() {
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	if w.Clock == nil {
		w.Clock = time.Now
	}
	if w.Backoff.Base <= 0 {
		w.Backoff = DefaultBackoff
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = DefaultMaxAttempts
	}
	if w.Batch <= 0 {
		w.Batch = DefaultBatch
	}
	if w.SendTimeout <= 0 {
		w.SendTimeout = DefaultSendTimeout
	}
	if w.Lease <= 0 {
		w.Lease = DefaultLease
	}
	// A lease must leave room for at least one attempt.
	w.Lease = max(w.Lease, 2*w.SendTimeout)
	if w.Poll <= 0 {
		w.Poll = DefaultPoll
	}
	if w.Rand == nil {
		w.Rand = rand.Float64
	}
}

// minWait keeps the worker from spinning when a due mail is locked by a
// claim still in progress elsewhere.
const minWait = 20 * time.Millisecond

// Run sends due mails until ctx is done, then returns once the attempt in
// progress (if any) is recorded and the mails it held are released. Call
// it once per Worker.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	wake := make(chan struct{}, 1)
	notify := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.listen(ctx, notify) }()
	defer wg.Wait()
	for {
		wait := w.drain(ctx)
		if ctx.Err() != nil {
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// listen keeps a LISTEN connection open, reopening it after a failure.
func (w *Worker) listen(ctx context.Context, wake func()) {
	delay := time.Second
	for {
		started := time.Now()
		err := w.Store.ListenMails(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > time.Minute {
			delay = time.Second
		}
		w.Log.Warn("mail worker not notified of new mails: polling meanwhile", "err", err, "retry_in", delay.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, w.Poll)
	}
}

// drain sends every due mail and returns how long to sleep.
func (w *Worker) drain(ctx context.Context) time.Duration {
	for ctx.Err() == nil {
		now := w.Clock()
		mails, err := w.Store.ClaimMails(ctx, now, w.Batch, w.Lease)
		if err != nil {
			if ctx.Err() == nil {
				w.Log.Warn("mail worker: cannot claim mails", "err", err)
			}
			return min(w.Poll, 5*time.Second)
		}
		if len(mails) == 0 {
			break
		}
		w.sendAll(ctx, mails, now.Add(w.Lease))
		if len(mails) < w.Batch {
			break
		}
	}
	if ctx.Err() != nil {
		return 0
	}
	next, ok, err := w.Store.NextMailAt(ctx)
	if err != nil || !ok {
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("mail worker: cannot read the next mail", "err", err)
		}
		return w.Poll
	}
	return min(max(next.Sub(w.Clock()), minWait), w.Poll)
}

// sendAll tries the claimed mails in order. After a failure to reach the
// server, the other mails count a failed attempt with the same error
// instead of meeting it one by one.
func (w *Worker) sendAll(ctx context.Context, mails []*maillage.Mail, leaseEnd time.Time) {
	for i, m := range mails {
		if ctx.Err() != nil || w.Clock().Add(w.SendTimeout).After(leaseEnd) {
			w.release(mails[i:])
			return
		}
		err := w.send(ctx, m)
		if err == nil {
			w.reachable()
			continue
		}
		if !IsUnreachable(err) {
			w.failed(m, err, true)
			continue
		}
		w.failed(m, err, false)
		rest := mails[i+1:]
		for _, r := range rest {
			w.failed(r, err, false)
		}
		w.unreachable(err, 1+len(rest))
		return
	}
}

func (w *Worker) unreachable(err error, postponed int) {
	now := time.Now()
	o := &w.outage
	if o.since.IsZero() {
		o.since = now
	}
	o.postponed += postponed
	if now.Sub(o.warned) >= outageReminder {
		o.warned = now
		w.Log.Warn("mail server unreachable: mails postponed until it answers", "err", err,
			"down_for", now.Sub(o.since).Round(time.Second).String(), "failed_attempts", o.postponed)
	} else {
		w.Log.Debug("mail server still unreachable", "err", err, "mails", postponed)
	}
}

func (w *Worker) reachable() {
	if w.outage.since.IsZero() {
		return
	}
	w.Log.Info("mail server answers again", "down_for", time.Since(w.outage.since).Round(time.Millisecond).String(),
		"failed_attempts", w.outage.postponed)
	w.outage = outage{}
}

// send makes one attempt and records a success. The attempt and its record
// run in a context that stopping the worker does not cancel: cutting an
// attempt after the final dot could send the mail twice.
func (w *Worker) send(ctx context.Context, m *maillage.Mail) (err error) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.SendTimeout)
	defer cancel()
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("sender panic: %v", p)
			}
		}()
		err = w.Sender.Send(sctx, m)
	}()
	if err != nil {
		return err
	}
	w.sent(m)
	return nil
}

// sent records a success, retrying while the database does not answer for
// up to half the lease (past the lease, another worker may take the mail).
func (w *Worker) sent(m *maillage.Mail) {
	ctx, cancel := context.WithTimeout(context.Background(), w.Lease/2)
	defer cancel()
	delay := 50 * time.Millisecond
	for {
		err := w.Store.MarkSent(ctx, m.ID, w.Clock())
		if err == nil {
			w.Log.Debug("mail sent", "mail_id", m.ID, "kind", m.Kind, "attempt", m.Attempts+1)
			return
		}
		select {
		case <-ctx.Done():
			w.Log.Error("mail sent but not recorded: it may be sent again", "mail_id", m.ID, "kind", m.Kind, "err", err)
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// failed records a failed attempt: tried again after the backoff, or given
// up when refused for good or after MaxAttempts.
func (w *Worker) failed(m *maillage.Mail, sendErr error, logIt bool) {
	ctx, cancel := context.WithTimeout(context.Background(), w.SendTimeout)
	defer cancel()
	attempt := m.Attempts + 1
	now := w.Clock()
	log := w.Log.With("mail_id", m.ID, "kind", m.Kind, "attempt", attempt, "err", sendErr)
	if IsPermanent(sendErr) || attempt >= w.MaxAttempts {
		if err := w.Store.AbandonMail(ctx, m.ID, sendErr.Error(), now); err != nil {
			log.Error("mail abandoned, not recorded", "record_err", err)
			return
		}
		if IsPermanent(sendErr) {
			log.Error("mail refused for good: abandoned")
		} else {
			log.Error("mail not sent after the last attempt: abandoned")
		}
		return
	}
	next := now.Add(w.Backoff.Delay(attempt, w.Rand()))
	if err := w.Store.MarkFailed(ctx, m.ID, sendErr.Error(), next); err != nil {
		log.Error("mail not sent, failure not recorded (tried again after its lease)", "record_err", err)
		return
	}
	if logIt {
		log.Warn("mail not sent: will try again", "next", next)
	}
}

func (w *Worker) release(mails []*maillage.Mail) {
	ids := make([]int64, len(mails))
	for i, m := range mails {
		ids[i] = m.ID
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.Store.ReleaseMails(ctx, ids); err != nil {
		w.Log.Warn("mail worker: claimed mails not released (free again after their lease)", "mails", len(ids), "err", err)
	}
}
