package doctor

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"syscall"

	"github.com/scimlab/scimlab/store"
)

// portCheck tells whether a start could listen on listen, by listening and closing
// at once; when the port is busy it says whether a scimlab holds it, from the
// databases' server locks, and which port is free instead.
func portCheck(listen string, locks []dbLock) Check {
	c := Check{Group: GroupPort, Name: "listen address", Status: OK}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		c.Status, c.Found = Fail, fmt.Sprintf("--listen %q is not HOST:PORT", listen)
		c.Fix = "pass e.g. --listen 127.0.0.1:8080"
		return c
	}
	if port == "0" {
		c.Found = listen + ": each start picks a free port, so the local URL changes every time"
		return c
	}
	ln, err := net.Listen("tcp", listen)
	if err == nil {
		ln.Close()
		c.Found = listen + " is free"
		return c
	}
	c.Status = Fail
	instead := "--listen " + net.JoinHostPort(host, "0") + " (any free port)"
	if free := freePortAfter(host, port); free != "" {
		instead = "--listen " + free + " (free now)"
	}
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		if l, ok := scimlabOnPort(port, locks); ok {
			c.Status = Warn
			c.Found = fmt.Sprintf("%s is in use by the scimlab serving %s (pid %d, %s)", listen, l.DB, l.State.Holder.PID, l.State.Holder.Address)
			c.Fix = "that scimlab is running: use it, or start another with " + instead + " and another --lab or --db"
		} else {
			c.Found = listen + " is in use by another program"
			c.Fix = "stop that program, or start scimlab with " + instead
		}
	case errors.Is(err, syscall.EACCES):
		c.Found = fmt.Sprintf("this user may not listen on port %s (ports below 1024 need privileges)", port)
		c.Fix = "pass a port from 1024 up, e.g. --listen " + net.JoinHostPort(host, "8080")
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		c.Found = fmt.Sprintf("this machine has no address %s", host)
		c.Fix = fmt.Sprintf("pass --listen 127.0.0.1:%s (this machine only) or 0.0.0.0:%s (every interface)", port, port)
	default:
		c.Found = "cannot listen on " + listen + ": " + err.Error()
		c.Fix = "pass another address, e.g. " + instead
	}
	return c
}

// scimlabOnPort finds the serving scimlab whose lock names port. The port being
// busy is established already; the lock says who has it.
func scimlabOnPort(port string, locks []dbLock) (dbLock, bool) {
	for _, l := range locks {
		if l.State.Held != store.LockHeldByServer {
			continue
		}
		u, err := url.Parse(l.State.Holder.Address)
		if err == nil && u.Port() == port {
			return l, true
		}
	}
	return dbLock{}, false
}

// freePortAfter is host with the first of the next 20 ports that is free now, ""
// when none is.
func freePortAfter(host, port string) string {
	p, err := strconv.Atoi(port)
	if err != nil {
		return ""
	}
	for next := p + 1; next <= min(p+20, 65535); next++ {
		addr := net.JoinHostPort(host, strconv.Itoa(next))
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	return ""
}
