package doctor

import (
	"net"
	"os"
	"runtime"
	"testing"

	"github.com/scimlab/scimlab/store"
)

func TestPortCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	_, port, _ := net.SplitHostPort(busy)

	c := portCheck(busy, nil)
	want(t, c, Fail, busy+" is in use by another program", "--listen 127.0.0.1:")
	refuse(t, c, "scimlab serving", "--db")

	served := []dbLock{{DB: "/labs/a.db", State: store.LockState{Held: store.LockHeldByServer,
		Holder: store.Holder{PID: 4242, Address: "http://127.0.0.1:" + port + "/scim/v2"}}}}
	want(t, portCheck(busy, served), Warn, "in use by the scimlab serving /labs/a.db (pid 4242", "use it", "another --lab or --db")

	// A lock left by a scimlab that is gone says nothing about who has the port.
	stale := []dbLock{{DB: "/labs/a.db", State: store.LockState{Held: store.LockFree,
		Holder: store.Holder{PID: 4242, Address: "http://127.0.0.1:" + port + "/scim/v2"}}}}
	want(t, portCheck(busy, stale), Fail, "in use by another program")

	ln.Close()
	c = portCheck(busy, served)
	want(t, c, OK, busy+" is free")

	want(t, portCheck("127.0.0.1:0", nil), OK, "picks a free port")
	want(t, portCheck("8080", nil), Fail, "is not HOST:PORT", "--listen 127.0.0.1:8080")
	// 192.0.2.0/24 is TEST-NET-1, documentation only: no machine has it.
	want(t, portCheck("192.0.2.1:8080", nil), Fail, "no address 192.0.2.1", "--listen 127.0.0.1:8080")
	if runtime.GOOS != "windows" && os.Getuid() != 0 {
		want(t, portCheck("127.0.0.1:80", nil), Fail, "may not listen on port 80", "1024")
	}
}

func TestFreePortAfter(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	free := freePortAfter("127.0.0.1", port)
	if free == "" || free == ln.Addr().String() {
		t.Fatalf("freePortAfter(%s) = %q", port, free)
	}
	l2, err := net.Listen("tcp", free)
	if err != nil {
		t.Errorf("the port offered as free is not: %v", err)
	} else {
		l2.Close()
	}
}
