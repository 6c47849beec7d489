package tunnel

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// codeErr is shaped like ngrok.Error, as returned by Listen.
type codeErr struct{ code, msg string }

func (e codeErr) Error() string { return e.msg + "\n\n" + e.code }
func (e codeErr) Code() string  { return e.code }

// innerErr is shaped like the library's internal errors that agent events
// carry: ErrorCode and Msg, no Code.
type innerErr struct{ code, msg string }

func (e innerErr) Error() string {
	return e.msg + "\n\n" + e.code + "\n\nhttps://ngrok.com/docs/errors/"
}
func (e innerErr) ErrorCode() string { return e.code }
func (e innerErr) Msg() string       { return e.msg }

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestExplain(t *testing.T) {
	env := explainEnv{Domain: "scim.ngrok.app", TokenSource: SourceEnv}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name      string
		err       error
		env       explainEnv
		reason    string
		code      string
		permanent bool
	}{
		{"malformed token", codeErr{"ERR_NGROK_105", "The authtoken you specified does not look like a proper ngrok authtoken."}, env,
			"ngrok rejected the auth token (ERR_NGROK_105): check NGROK_AUTHTOKEN", "ERR_NGROK_105", true},
		{"revoked token from the flag", codeErr{"ERR_NGROK_107", "The authtoken you specified is properly formed, but it is invalid."},
			explainEnv{TokenSource: SourceFlag},
			"ngrok rejected the auth token (ERR_NGROK_107): check --ngrok-token", "ERR_NGROK_107", true},
		{"v1 token", innerErr{"ERR_NGROK_106", "ngrok v1 authtoken"}, env,
			"ngrok rejected the auth token (ERR_NGROK_106): check NGROK_AUTHTOKEN", "ERR_NGROK_106", true},
		{"unverified account", codeErr{"ERR_NGROK_4018", "Usage of ngrok requires a verified account and authtoken."}, env,
			"ngrok rejected the auth token (ERR_NGROK_4018): check NGROK_AUTHTOKEN", "ERR_NGROK_4018", true},
		{"session limit via agent event", fmt.Errorf("authentication failed: %w", innerErr{"ERR_NGROK_108", "Your account is limited to 1 simultaneous ngrok agent sessions."}), env,
			"this ngrok account already has the maximum number of agent sessions (ERR_NGROK_108)", "ERR_NGROK_108", false},
		{"session limit, code only in text", errors.New("failed to connect: authentication failed: Your account is limited to 1 simultaneous ngrok agent sessions.\n\nERR_NGROK_108\n"), env,
			"this ngrok account already has the maximum number of agent sessions (ERR_NGROK_108)", "ERR_NGROK_108", false},
		{"domain not reserved", codeErr{"ERR_NGROK_319", "You must reserve a custom hostname"}, env,
			"the domain scim.ngrok.app is not reserved for this ngrok account (ERR_NGROK_319)", "ERR_NGROK_319", true},
		{"domain not reserved, 7118", codeErr{"ERR_NGROK_7118", "not reserved by your account"}, env,
			"the domain scim.ngrok.app is not reserved for this ngrok account (ERR_NGROK_7118)", "ERR_NGROK_7118", true},
		{"domain of another account", codeErr{"ERR_NGROK_320", "This domain is reserved for another account."}, env,
			"the domain scim.ngrok.app is reserved by another ngrok account (ERR_NGROK_320)", "ERR_NGROK_320", true},
		{"custom hostname on free plan", codeErr{"ERR_NGROK_314", "Only paid plans may create endpoints with custom hostnames."}, env,
			"the domain scim.ngrok.app is not allowed on this ngrok plan (ERR_NGROK_314)", "ERR_NGROK_314", true},
		{"no domain requested", codeErr{"ERR_NGROK_15000", "You are not allowed to create endpoints with subdomains"}, explainEnv{},
			"the requested domain is not allowed on this ngrok plan (ERR_NGROK_15000)", "ERR_NGROK_15000", true},
		{"invalid URL", codeErr{"ERR_NGROK_9037", "invalid URL"}, env,
			"ngrok says the domain scim.ngrok.app is not a valid endpoint URL (ERR_NGROK_9037)", "ERR_NGROK_9037", true},
		{"already online", codeErr{"ERR_NGROK_334", "The endpoint is already online."}, env,
			"the domain scim.ngrok.app is already online in another ngrok session (ERR_NGROK_334)", "ERR_NGROK_334", false},
		{"endpoint limit", codeErr{"ERR_NGROK_324", "Your account may not run more than 3 endpoints"}, env,
			"this ngrok account has reached its endpoint limit (ERR_NGROK_324)", "ERR_NGROK_324", false},
		{"suspended", codeErr{"ERR_NGROK_338", "The account has been suspended."}, env,
			"the ngrok account is suspended (ERR_NGROK_338)", "ERR_NGROK_338", true},
		{"old agent", codeErr{"ERR_NGROK_121", "version too old"}, env,
			"ngrok no longer accepts this agent version (ERR_NGROK_121)", "ERR_NGROK_121", true},
		{"unknown code keeps ngrok's words", fmt.Errorf("failed to start tunnel: %w", innerErr{"ERR_NGROK_99999", "Something new went wrong."}), env,
			"ngrok refused (ERR_NGROK_99999): Something new went wrong.", "ERR_NGROK_99999", false},
		{"DNS failure", fmt.Errorf("failed to dial ngrok server: %w", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "connect.ngrok-agent.com"}}), explainEnv{},
			"no network: cannot reach connect.ngrok-agent.com (DNS lookup failed)", "", false},
		{"refused", refused, explainEnv{ConnectHost: "127.0.0.1:1"},
			"cannot reach 127.0.0.1:1: connection refused", "", false},
		{"unreachable", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}, explainEnv{},
			"no network: cannot reach connect.ngrok-agent.com (network unreachable)", "", false},
		{"dial timeout", &net.OpError{Op: "dial", Err: timeoutErr{}}, explainEnv{},
			"cannot reach connect.ngrok-agent.com: timed out", "", false},
		{"context deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), explainEnv{},
			"cannot reach connect.ngrok-agent.com: timed out", "", false},
		{"TLS interception", fmt.Errorf("tls: %w", x509.UnknownAuthorityError{}), explainEnv{},
			"the secure connection to connect.ngrok-agent.com failed", "", false},
		{"connect timeout", connectTimeoutError{15 * time.Second}, explainEnv{},
			"ngrok at connect.ngrok-agent.com did not answer within 15s", "", false},
		{"endpoint lost", endpointLostError{errors.New("failed to accept connection: Listener closed")}, explainEnv{},
			"ngrok closed the public endpoint", "", false},
		{"no token", errNoToken, explainEnv{}, ReasonNoToken, "", true},
		{"other", errors.New("something odd\nsecond line"), explainEnv{},
			"cannot connect to ngrok: something odd", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := explain(tt.err, tt.env)
			if f.Reason != tt.reason {
				t.Errorf("reason = %q\n want %q", f.Reason, tt.reason)
			}
			if f.Code != tt.code {
				t.Errorf("code = %q, want %q", f.Code, tt.code)
			}
			if f.Permanent != tt.permanent {
				t.Errorf("permanent = %v, want %v", f.Permanent, tt.permanent)
			}
			if f.Hint == "" {
				t.Error("no hint")
			}
			if strings.Contains(f.Reason, "\n") {
				t.Errorf("reason spans lines: %q", f.Reason)
			}
		})
	}
}

func TestNormalizeDomain(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"scim.ngrok-free.app", "scim.ngrok-free.app", true},
		{"  SCIM.Ngrok.App  ", "scim.ngrok.app", true},
		{"https://scim.ngrok.app/", "scim.ngrok.app", true},
		{"scim.ngrok.app.", "scim.ngrok.app", true},
		{"https://scim.ngrok.app/scim/v2", "", false},
		{"scim.ngrok.app:8443", "", false},
		{"tcp://scim.ngrok.app", "", false},
		{"localhost", "", false},
		{"10.0.0.1", "", false},
		{"bad_name.ngrok.app", "", false},
		{"-x.ngrok.app", "", false},
		{"user@scim.ngrok.app", "", false},
		{"scim.ngrok.app?x=1", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeDomain(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestNormalizePublicURL(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"https://scim.example.com", "https://scim.example.com", true},
		{"https://SCIM.example.com/", "https://scim.example.com", true},
		{"https://proxy.example.com/scimlab/", "https://proxy.example.com/scimlab", true},
		{"http://10.0.0.5:8080", "http://10.0.0.5:8080", true},
		{"scim.example.com", "", false},
		{"ftp://scim.example.com", "", false},
		{"https://scim.example.com/?a=1", "", false},
		{"https://u:p@scim.example.com", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizePublicURL(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizePublicURL(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Min: time.Second, Max: 30 * time.Second, Factor: 2, Jitter: 0.2}
	tests := []struct {
		attempt int
		r       float64
		want    time.Duration
	}{
		{1, 0, time.Second},
		{2, 0, 2 * time.Second},
		{3, 0.5, 3600 * time.Millisecond},
		{5, 0, 16 * time.Second},
		{6, 0, 30 * time.Second},
		{100, 0, 30 * time.Second},
		{100, 1, 24 * time.Second},
		{0, 0, time.Second},
	}
	for _, tt := range tests {
		if got := b.Delay(tt.attempt, tt.r); got != tt.want {
			t.Errorf("Delay(%d, %v) = %s, want %s", tt.attempt, tt.r, got, tt.want)
		}
	}
	if got := (Backoff{}).Delay(1, 0); got != DefaultBackoff.Min {
		t.Errorf("zero Backoff uses %s, want the default %s", got, DefaultBackoff.Min)
	}
}
