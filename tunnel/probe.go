package tunnel

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"strings"
	"time"

	"golang.ngrok.com/ngrok/v2"
)

// ProbeConfig says how Probe reaches ngrok's service: the zero value reaches the
// real one the way the tunnel does.
type ProbeConfig struct {
	// Timeout bounds the whole probe; zero means 5s. A network that is down fails
	// in milliseconds; the bound is for one that swallows packets.
	Timeout time.Duration
	// ConnectURL and Dialer replace the ngrok server address and how it is dialled,
	// as in NgrokConfig; CAs the certificates the server's is checked against. Tests
	// use them to stand in for ngrok's service.
	ConnectURL string
	Dialer     ngrok.Dialer
	CAs        *x509.CertPool
}

// ProbeStep is the step of reaching ngrok's service that failed.
type ProbeStep string

const (
	// ProbeTCP: no connection could be opened (no network, DNS, a firewall).
	ProbeTCP ProbeStep = "tcp"
	// ProbeTLS: the connection opened but the secure handshake failed (often a
	// proxy that intercepts HTTPS).
	ProbeTLS ProbeStep = "tls"
	// ProbeProtocol: the handshake worked but ngrok's tunnel protocol did not answer.
	ProbeProtocol ProbeStep = "protocol"
)

// ProbeResult is what a reachability check of ngrok's service found. It never
// involves an auth token: the check opens no session and starts no tunnel.
type ProbeResult struct {
	// Addr is the address probed, host:port.
	Addr string
	// Reachable: a connection and a TLS handshake with ngrok's server succeeded,
	// which is what the tunnel needs from the network.
	Reachable bool
	// Region and Latency are what ngrok's server reported and how long its answer
	// took, when its tunnel protocol answered.
	Region  string
	Latency time.Duration
	// Failed is the step that failed, "" when every step passed.
	Failed ProbeStep
	// Reason says in plain words what failed, "" when nothing did.
	Reason string
	// Err is the underlying error.
	Err error
}

// Probe checks, within cfg.Timeout, whether ngrok's service can be reached from
// here, without an auth token and without starting a tunnel: it opens a
// connection, completes the TLS handshake and asks the server for its region.
func Probe(ctx context.Context, cfg ProbeConfig) ProbeResult {
	if cfg.Timeout <= 0 {
		cfg.Timeout = diagnoseTimeout
	}
	res := ProbeResult{Addr: defaultConnectAddr}
	opts := []ngrok.AgentOption{ngrok.WithLogger(slog.New(slog.DiscardHandler))}
	if cfg.ConnectURL != "" {
		res.Addr = cfg.ConnectURL
		opts = append(opts, ngrok.WithAgentConnectURL(cfg.ConnectURL))
	}
	if cfg.Dialer != nil {
		opts = append(opts, ngrok.WithDialer(cfg.Dialer))
	}
	if cfg.CAs != nil {
		opts = append(opts, ngrok.WithAgentConnectCAs(cfg.CAs))
	}
	agent, err := ngrok.NewAgent(opts...)
	if err != nil {
		res.Reason, res.Err = "cannot set up the ngrok agent: "+firstLine(err.Error()), err
		return res
	}
	d, ok := agent.(ngrok.Diagnoser)
	if !ok {
		res.Reason, res.Err = "this ngrok library cannot check the connection", errors.ErrUnsupported
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	out, err := d.Diagnose(ctx, "")
	res.Region, res.Latency, res.Err = out.Region, out.Latency, err
	host := strings.TrimSuffix(res.Addr, ":443")
	switch {
	case err == nil:
		res.Reachable = true
		return res
	case ngrok.IsTCPDiagnoseFailure(err):
		res.Failed = ProbeTCP
	case ngrok.IsTLSDiagnoseFailure(err):
		res.Failed = ProbeTLS
	case ngrok.IsMuxadoDiagnoseFailure(err):
		// The network carried a TLS session to ngrok: what the tunnel protocol then
		// makes of it is for the real connection to say, as at start.
		res.Reachable, res.Failed = true, ProbeProtocol
		res.Reason = "ngrok's server accepted the connection but did not answer its tunnel protocol: " + firstLine(errors.Unwrap(err).Error())
		return res
	}
	if f, ok := explainNetwork(err, explainEnv{ConnectHost: host}); ok {
		res.Reason = f.Reason
	} else {
		res.Reason = "cannot reach " + host + ": " + firstLine(err.Error())
	}
	return res
}
