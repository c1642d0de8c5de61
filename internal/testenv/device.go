package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"

	"github.com/firstkey/firstkey/internal/domain"
)

// DevicePoller is a device's HTTP transport for the device authorization grant:
// before each poll of the token endpoint it lets the poll interval pass on
// firstkey's fake clock, so a device honours the interval on the server's clock
// while waiting only the client's real delay, and it notes every answer.
type DevicePoller struct {
	clock    *domain.FakeClock
	tokenURL string
	pending  chan struct{} // closed at the first authorization_pending
	once     sync.Once

	mu      sync.Mutex
	answers []string // "ok" or the OAuth error code
}

// NewDevicePoller makes the transport of a device polling tokenURL of e.
func (e *Env) NewDevicePoller(tokenURL string) *DevicePoller {
	return &DevicePoller{clock: e.Clock, tokenURL: tokenURL, pending: make(chan struct{})}
}

func (p *DevicePoller) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.String() != p.tokenURL {
		return http.DefaultTransport.RoundTrip(req)
	}
	p.clock.Advance(domain.DevicePollInterval)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	answer := "ok"
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		answer = e.Error
	}
	p.mu.Lock()
	p.answers = append(p.answers, answer)
	p.mu.Unlock()
	if answer == "authorization_pending" {
		p.once.Do(func() { close(p.pending) })
	}
	return resp, nil
}

// Pending is closed once the device has been told authorization_pending.
func (p *DevicePoller) Pending() <-chan struct{} { return p.pending }

// Seen returns the answers so far, oldest first.
func (p *DevicePoller) Seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.answers)
}
