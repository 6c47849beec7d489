package tunnel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"syscall"
	"time"

	"golang.ngrok.com/ngrok/v2"
)

// failure is an error put in words for the console.
type failure struct {
	Reason string
	Hint   string
	Code   string
	// Permanent failures are not retried: trying again with the same
	// token and domain gives the same answer.
	Permanent bool
}

// explainEnv is what the words need besides the error.
type explainEnv struct {
	// ConnectHost is the ngrok server dialled, without the port when it
	// is 443.
	ConnectHost string
	// Domain is the requested domain, "" when ngrok assigns one.
	Domain string
	// TokenSource names where the token came from, e.g. NGROK_AUTHTOKEN.
	TokenSource string
}

const dashboardToken = "dashboard.ngrok.com → Your Authtoken"

var ngrokCodeRE = regexp.MustCompile(`ERR_NGROK_\d+`)

// ngrokCode finds the ERR_NGROK_xxx code in err: from ngrok.Error, from the
// library's internal errors (which have ErrorCode, and reach us unwrapped
// through agent events), or as a last resort from the text.
func ngrokCode(err error) string {
	var pub ngrok.Error
	if errors.As(err, &pub) && pub.Code() != "" {
		return pub.Code()
	}
	var internal interface{ ErrorCode() string }
	if errors.As(err, &internal) && internal.ErrorCode() != "" {
		return internal.ErrorCode()
	}
	return ngrokCodeRE.FindString(err.Error())
}

// errNoToken is returned when an ngrok tunnel is started without a token.
var errNoToken = errors.New("no ngrok auth token")

// connectTimeoutError is returned when ngrok neither accepts nor refuses
// within the connect timeout.
type connectTimeoutError struct{ after time.Duration }

func (e connectTimeoutError) Error() string {
	return fmt.Sprintf("ngrok did not answer within %s", e.after)
}

// endpointLostError is returned when a working endpoint stops.
type endpointLostError struct{ err error }

func (e endpointLostError) Error() string {
	if e.err == nil {
		return "ngrok closed the endpoint"
	}
	return "ngrok closed the endpoint: " + e.err.Error()
}

func (e endpointLostError) Unwrap() error { return e.err }

// invalidDomainError is returned for a --domain that is not a host name.
type invalidDomainError struct{ msg string }

func (e invalidDomainError) Error() string { return e.msg }

// explain maps an error from connecting or serving to plain words.
func explain(err error, env explainEnv) failure {
	if env.ConnectHost == "" {
		env.ConnectHost = defaultConnectHost
	}
	if errors.Is(err, errNoToken) {
		return failure{Reason: ReasonNoToken, Hint: EnableHint, Permanent: true}
	}
	var bad invalidDomainError
	if errors.As(err, &bad) {
		return failure{Reason: bad.msg, Hint: "pass a host name such as your-name.ngrok-free.app, or drop --domain", Permanent: true}
	}
	if code := ngrokCode(err); code != "" {
		return explainCode(code, err, env)
	}
	var timeout connectTimeoutError
	if errors.As(err, &timeout) {
		return failure{
			Reason: fmt.Sprintf("ngrok at %s did not answer within %s", env.ConnectHost, timeout.after),
			Hint:   "the network may be slow or filtered; scimlab keeps trying",
		}
	}
	if f, ok := explainNetwork(err, env); ok {
		return f
	}
	var lost endpointLostError
	if errors.As(err, &lost) {
		return failure{Reason: "ngrok closed the public endpoint", Hint: "it may have been stopped from the ngrok dashboard; scimlab reconnects"}
	}
	return failure{
		Reason: "cannot connect to ngrok: " + firstLine(err.Error()),
		Hint:   "scimlab keeps trying; the local server is unaffected",
	}
}

// explainNetwork recognises failures to reach the ngrok server at all.
func explainNetwork(err error, env explainEnv) (failure, bool) {
	host := env.ConnectHost
	retry := "scimlab retries on its own; the local server keeps answering"
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	switch {
	case errors.As(err, &dnsErr):
		return failure{
			Reason: fmt.Sprintf("no network: cannot reach %s (DNS lookup failed)", host),
			Hint:   "check the internet connection; " + retry,
		}, true
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return failure{
			Reason: fmt.Sprintf("no network: cannot reach %s (network unreachable)", host),
			Hint:   "check the internet connection; " + retry,
		}, true
	case errors.Is(err, syscall.ECONNREFUSED):
		return failure{
			Reason: fmt.Sprintf("cannot reach %s: connection refused", host),
			Hint:   "a firewall may block outbound connections to port 443; " + retry,
		}, true
	case errors.Is(err, syscall.ECONNRESET):
		return failure{
			Reason: fmt.Sprintf("the connection to %s was reset", host),
			Hint:   "a firewall or proxy may be cutting the connection; " + retry,
		}, true
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr),
		errors.As(err, &recErr), ngrok.IsTLSDiagnoseFailure(err):
		return failure{
			Reason: fmt.Sprintf("the secure connection to %s failed", host),
			Hint:   "a proxy or firewall may be intercepting HTTPS; " + retry,
		}, true
	case isTimeout(err):
		return failure{
			Reason: fmt.Sprintf("cannot reach %s: timed out", host),
			Hint:   "the network may be down or filtered; " + retry,
		}, true
	case ngrok.IsTCPDiagnoseFailure(err):
		return failure{
			Reason: fmt.Sprintf("cannot reach %s: %s", host, firstLine(errors.Unwrap(err).Error())),
			Hint:   "check the internet connection; " + retry,
		}, true
	}
	return failure{}, false
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// explainCode maps ngrok's error codes (https://ngrok.com/docs/errors) to
// words. Codes not listed keep ngrok's own first line.
func explainCode(code string, err error, env explainEnv) failure {
	domain := "the requested domain"
	if env.Domain != "" {
		domain = "the domain " + env.Domain
	}
	source := env.TokenSource
	if source == "" {
		source = "NGROK_AUTHTOKEN"
	}
	f := failure{Code: code}
	switch code {
	case "ERR_NGROK_105", "ERR_NGROK_106", "ERR_NGROK_107", "ERR_NGROK_4018":
		f.Reason = fmt.Sprintf("ngrok rejected the auth token (%s): check %s", code, source)
		f.Permanent = true
		switch code {
		case "ERR_NGROK_105":
			f.Hint = "it does not look like an ngrok authtoken; copy it again from " + dashboardToken
		case "ERR_NGROK_106":
			f.Hint = "it is an old ngrok v1 token; copy the current one from " + dashboardToken
		case "ERR_NGROK_107":
			f.Hint = "it was reset or revoked; copy the current one from " + dashboardToken
		default:
			f.Hint = "ngrok needs a verified account; sign up at dashboard.ngrok.com and copy " + dashboardToken
		}
	case "ERR_NGROK_108":
		f.Reason = fmt.Sprintf("this ngrok account already has the maximum number of agent sessions (%s)", code)
		f.Hint = "stop the other ngrok agent or scimlab using this account (dashboard.ngrok.com → Agents); scimlab retries"
	case "ERR_NGROK_102", "ERR_NGROK_205", "ERR_NGROK_338":
		f.Reason = fmt.Sprintf("the ngrok account is suspended (%s)", code)
		f.Hint = "see dashboard.ngrok.com; the local server keeps answering"
		f.Permanent = true
	case "ERR_NGROK_120", "ERR_NGROK_121":
		f.Reason = fmt.Sprintf("ngrok no longer accepts this agent version (%s)", code)
		f.Hint = "update scimlab"
		f.Permanent = true
	case "ERR_NGROK_319", "ERR_NGROK_354", "ERR_NGROK_7117", "ERR_NGROK_7118":
		f.Reason = fmt.Sprintf("%s is not reserved for this ngrok account (%s)", domain, code)
		f.Hint = "reserve it at dashboard.ngrok.com → Domains, or drop --domain to use the account's free dev domain"
		f.Permanent = true
	case "ERR_NGROK_320":
		f.Reason = fmt.Sprintf("%s is reserved by another ngrok account (%s)", domain, code)
		f.Hint = "use the auth token of the account that reserved it, or drop --domain"
		f.Permanent = true
	case "ERR_NGROK_310", "ERR_NGROK_314", "ERR_NGROK_412", "ERR_NGROK_15000":
		f.Reason = fmt.Sprintf("%s is not allowed on this ngrok plan (%s)", domain, code)
		f.Hint = "use the free static dev domain shown at dashboard.ngrok.com → Domains, or drop --domain"
		f.Permanent = true
	case "ERR_NGROK_9037":
		f.Reason = fmt.Sprintf("ngrok says %s is not a valid endpoint URL (%s)", domain, code)
		f.Hint = "pass a host name such as your-name.ngrok-free.app to --domain"
		f.Permanent = true
	case "ERR_NGROK_334":
		f.Reason = fmt.Sprintf("%s is already online in another ngrok session (%s)", domain, code)
		f.Hint = "another scimlab or ngrok agent is serving it; stop that one (scimlab retries, ngrok frees a crashed session within a minute)"
	case "ERR_NGROK_324", "ERR_NGROK_351", "ERR_NGROK_18021":
		f.Reason = fmt.Sprintf("this ngrok account has reached its endpoint limit (%s)", code)
		f.Hint = "stop other endpoints (dashboard.ngrok.com → Endpoints); scimlab retries"
	default:
		f.Reason = fmt.Sprintf("ngrok refused (%s): %s", code, ngrokMessage(err))
		f.Hint = "see https://ngrok.com/docs/errors/" + strings.ToLower(code)
	}
	return f
}

// ngrokMessage is the first meaningful line of an ngrok error without the
// library's prefixes.
func ngrokMessage(err error) string {
	var internal interface{ Msg() string }
	msg := err.Error()
	if errors.As(err, &internal) {
		msg = internal.Msg()
	}
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || ngrokCodeRE.MatchString(line) && len(line) < 20 {
			continue
		}
		for _, p := range []string{"failed to connect: ", "authentication failed: ", "failed to start tunnel: "} {
			line = strings.TrimPrefix(line, p)
		}
		return line
	}
	return firstLine(err.Error())
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}
