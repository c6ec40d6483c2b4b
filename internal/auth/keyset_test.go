package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"maillage/internal/auth"
)

// jwksServer publishes a key set that a test changes, and counts fetches.
type jwksServer struct {
	URL     string
	fetches atomic.Int32
	mu      sync.Mutex
	keys    []*signingKey
	down    bool // answers 503
}

func newJWKSServer(t *testing.T, keys ...*signingKey) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var set jose.JSONWebKeySet
		for _, k := range s.keys {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.key.PublicKey, KeyID: k.id, Algorithm: string(jose.RS256), Use: "sig"})
		}
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *jwksServer) publish(keys []*signingKey, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if keys != nil {
		s.keys = keys
	}
	s.down = down
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func newSigningKey(t *testing.T, id string) *signingKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &signingKey{id: id, key: k}
}

func (k *signingKey) sign(t *testing.T, payload string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.key, KeyID: k.id}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestOIDCKeySetRotation: the kept keys serve until none verifies a signature;
// then they are fetched again once, at most once per RefetchEvery (also
// when the fetch fails), and never twice for one verification.
func TestOIDCKeySetRotation(t *testing.T) {
	a := newSigningKey(t, "a")
	b := newSigningKey(t, "b")        // the rotated key, new id
	a2 := newSigningKey(t, "a")       // the rotated key, same id
	forged := newSigningKey(t, "a")   // never published
	noKid := newSigningKey(t, "")     // published without an id
	other := newSigningKey(t, "zzzz") // never published

	// A step publishes keys (nil: unchanged), lets time pass, verifies a
	// token signed with sign, and checks the outcome and the fetch count.
	type step struct {
		publish     []*signingKey
		down        bool
		wait        time.Duration
		sign        *signingKey
		wantOK      bool
		wantFetches int32
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"kept keys serve every verification", []step{
			{sign: a, wantOK: true, wantFetches: 1},
			{sign: a, wantOK: true, wantFetches: 1},
			{wait: time.Hour, sign: a, wantOK: true, wantFetches: 1},
		}},
		{"rotation to a new key id", []step{
			{sign: a, wantOK: true, wantFetches: 1},
			{publish: []*signingKey{b}, sign: b, wantOK: true, wantFetches: 2},
			{sign: b, wantOK: true, wantFetches: 2},
			{sign: a, wantOK: false, wantFetches: 2}, // withdrawn, and fetched again just now
		}},
		{"rotation keeping the key id", []step{
			{sign: a, wantOK: true, wantFetches: 1},
			{publish: []*signingKey{a2}, sign: a2, wantOK: true, wantFetches: 2},
		}},
		{"rotation right after the first fetch", []step{
			{publish: []*signingKey{b}, sign: a, wantOK: false, wantFetches: 2}, // first fetch, then one more
			{sign: b, wantOK: true, wantFetches: 2},
		}},
		{"keys without an id", []step{
			{publish: []*signingKey{noKid}, sign: noKid, wantOK: true, wantFetches: 1},
			{sign: a, wantOK: false, wantFetches: 2},
		}},
		{"forged tokens: one fetch per 30 s", []step{
			{sign: a, wantOK: true, wantFetches: 1},
			{sign: forged, wantOK: false, wantFetches: 2},
			{sign: forged, wantOK: false, wantFetches: 2},
			{sign: other, wantOK: false, wantFetches: 2},
			{wait: 29 * time.Second, sign: forged, wantOK: false, wantFetches: 2},
			{wait: time.Second, sign: forged, wantOK: false, wantFetches: 3},
			{sign: forged, wantOK: false, wantFetches: 3},
			{sign: a, wantOK: true, wantFetches: 3},
		}},
		{"a rotation within 30 s of a forged token waits", []step{
			{sign: a, wantOK: true, wantFetches: 1},
			{sign: forged, wantOK: false, wantFetches: 2},
			{publish: []*signingKey{b}, wait: 10 * time.Second, sign: b, wantOK: false, wantFetches: 2},
			{wait: 20 * time.Second, sign: b, wantOK: true, wantFetches: 3},
		}},
		{"provider down: old keys kept, failed fetches limited too", []step{
			{sign: a, wantOK: true, wantFetches: 1},
			{down: true, sign: b, wantOK: false, wantFetches: 2},
			{down: true, sign: b, wantOK: false, wantFetches: 2},
			{down: true, sign: a, wantOK: true, wantFetches: 2},
			{publish: []*signingKey{a, b}, wait: 30 * time.Second, sign: b, wantOK: true, wantFetches: 3},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, a)
			now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
			ks := &auth.KeySet{URL: srv.URL, Now: func() time.Time { return now }}
			for i, st := range tt.steps {
				srv.publish(st.publish, st.down)
				now = now.Add(st.wait)
				payload, err := ks.Verify(context.Background(), st.sign.sign(t, `{"n":1}`))
				if ok := err == nil; ok != st.wantOK {
					t.Errorf("step %d (key %q): verified=%v (%v), want %v", i+1, st.sign.id, ok, err, st.wantOK)
				}
				if err == nil && string(payload) != `{"n":1}` {
					t.Errorf("step %d: payload %q", i+1, payload)
				}
				if err != nil && !strings.Contains(err.Error(), "no key of the provider verifies the signature") {
					t.Errorf("step %d: error %q does not say no key verifies the signature", i+1, err)
				}
				if got := srv.fetches.Load(); got != st.wantFetches {
					t.Errorf("step %d (key %q): %d fetches, want %d", i+1, st.sign.id, got, st.wantFetches)
				}
			}
		})
	}
}

// TestOIDCKeySetOneFetchPerVerification: even without a rate limit to speak
// of, one verification fetches the keys again at most once.
func TestOIDCKeySetOneFetchPerVerification(t *testing.T) {
	a, forged := newSigningKey(t, "a"), newSigningKey(t, "a")
	srv := newJWKSServer(t, a)
	ks := &auth.KeySet{URL: srv.URL, RefetchEvery: time.Nanosecond}
	if _, err := ks.Verify(context.Background(), a.sign(t, `{}`)); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		before := srv.fetches.Load()
		time.Sleep(time.Millisecond) // past RefetchEvery
		if _, err := ks.Verify(context.Background(), forged.sign(t, `{}`)); err == nil {
			t.Fatal("a forged token verified")
		}
		if n := srv.fetches.Load() - before; n != 1 {
			t.Errorf("verification %d: %d fetches, want 1", i+1, n)
		}
	}
}

// TestOIDCKeySetConcurrentRotation: sign-ins that fail together after a
// rotation share one fetch.
func TestOIDCKeySetConcurrentRotation(t *testing.T) {
	a, b := newSigningKey(t, "a"), newSigningKey(t, "b")
	srv := newJWKSServer(t, a)
	ks := &auth.KeySet{URL: srv.URL, RefetchEvery: time.Nanosecond}
	if _, err := ks.Verify(context.Background(), a.sign(t, `{}`)); err != nil {
		t.Fatal(err)
	}
	srv.publish([]*signingKey{b}, false)
	token := b.sign(t, `{}`)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() { _, errs[i] = ks.Verify(context.Background(), token) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("verification %d: %v", i, err)
		}
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Errorf("%d fetches, want 2", n)
	}
}
