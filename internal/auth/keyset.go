package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// KeyRefetchEvery is how often, at most, a provider's keys are fetched
// again because none of them verified a signature.
const KeyRefetchEvery = 30 * time.Second

// KeySet is an OpenID provider's signing keys (its JWKS). They are fetched
// on first use and kept; when no kept key verifies a signature (the
// provider rotated its key: unknown key id, or the same id with a new key)
// they are fetched once more and the signature is checked again. Those
// fetches happen at most once per RefetchEvery, so a stream of forged
// tokens cannot make the portal hammer the provider.
type KeySet struct {
	URL          string
	Client       *http.Client     // nil: http.DefaultClient
	RefetchEvery time.Duration    // 0: KeyRefetchEvery
	Now          func() time.Time // nil: time.Now

	mu          sync.Mutex
	keys        *jose.JSONWebKeySet
	generation  int       // counts successful fetches
	refetchedAt time.Time // last fetch caused by a failed verification
}

var signingAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512}

// Verify checks a compact JWS signed by one of the provider's keys and
// returns its payload. It fetches the keys again at most once per call.
func (k *KeySet) Verify(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, signingAlgs)
	if err != nil {
		return nil, err
	}
	if len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("expected one signature, got %d", len(jws.Signatures))
	}
	kid := jws.Signatures[0].Header.KeyID
	ks, gen, err := k.current(ctx)
	if err != nil {
		return nil, err
	}
	if payload, ok := verifyWith(jws, ks, kid); ok {
		return payload, nil
	}
	ks, refetchErr := k.refetch(ctx, gen)
	if ks != nil {
		if payload, ok := verifyWith(jws, ks, kid); ok {
			return payload, nil
		}
	}
	err = fmt.Errorf("no key of the provider verifies the signature (kid %q)", kid)
	if refetchErr != nil {
		err = fmt.Errorf("%w; keys not fetched again: %w", err, refetchErr)
	}
	return nil, err
}

func verifyWith(jws *jose.JSONWebSignature, ks *jose.JSONWebKeySet, kid string) ([]byte, bool) {
	candidates := ks.Keys
	if kid != "" {
		candidates = ks.Key(kid)
	}
	for _, key := range candidates {
		if payload, err := jws.Verify(key); err == nil {
			return payload, true
		}
	}
	return nil, false
}

// current returns the kept keys, fetching them when there are none yet.
func (k *KeySet) current(ctx context.Context) (*jose.JSONWebKeySet, int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		if err := k.fetch(ctx); err != nil {
			return nil, 0, err
		}
	}
	return k.keys, k.generation, nil
}

// refetch fetches the keys again after a verification with generation gen
// failed. When another caller fetched them since, their keys are used as
// they are; otherwise a fetch happens unless one happened in the last
// RefetchEvery. It returns the keys to try, or nil.
func (k *KeySet) refetch(ctx context.Context, gen int) (*jose.JSONWebKeySet, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.generation != gen {
		return k.keys, nil
	}
	now, every := time.Now, k.RefetchEvery
	if k.Now != nil {
		now = k.Now
	}
	if every <= 0 {
		every = KeyRefetchEvery
	}
	if since := now().Sub(k.refetchedAt); !k.refetchedAt.IsZero() && since < every {
		return nil, fmt.Errorf("fetched again %s ago, at most once per %s", since.Round(time.Second), every)
	}
	// A failed fetch counts too: a provider that is down is not hammered.
	k.refetchedAt = now()
	if err := k.fetch(ctx); err != nil {
		return nil, err
	}
	return k.keys, nil
}

// fetch reads the JWKS; k.mu is held. Failed fetches keep the old keys.
func (k *KeySet) fetch(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.URL, nil)
	if err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	hc := k.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("jwks: status %d", resp.StatusCode)
	}
	var ks jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ks); err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	k.keys = &ks
	k.generation++
	return nil
}
