package scimserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A client that writes its whole body before reading the answer, as Python's urllib
// does, must read the 413 and its SCIM error, not a connection reset. The test is such
// a client on a real socket: it writes the headers and 10 MiB of body, then reads.
func TestOverLimitBodyAnswersAWritingClient(t *testing.T) {
	e := newEnv(t, Config{})
	body := bytes.Repeat([]byte("x"), 10<<20)
	for _, tc := range []struct {
		name    string
		framing func(w io.Writer)
	}{
		{"Content-Length", func(w io.Writer) {
			fmt.Fprintf(w, "Content-Length: %d\r\n\r\n", len(body))
			w.Write(body)
		}},
		{"chunked", func(w io.Writer) {
			fmt.Fprintf(w, "Transfer-Encoding: chunked\r\n\r\n")
			for rest := body; len(rest) > 0; {
				n := min(len(rest), 64<<10)
				fmt.Fprintf(w, "%x\r\n", n)
				w.Write(rest[:n])
				io.WriteString(w, "\r\n")
				rest = rest[n:]
			}
			io.WriteString(w, "0\r\n\r\n")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", e.http.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(60 * time.Second))
			bw := bufio.NewWriterSize(conn, 256<<10)
			fmt.Fprintf(bw, "POST %s/Users HTTP/1.1\r\nHost: scimlab\r\nAuthorization: Bearer %s\r\nContent-Type: application/scim+json\r\nUser-Agent: Python-urllib/3.12\r\n", BasePath, testToken)
			tc.framing(bw)
			if err := bw.Flush(); err != nil {
				t.Fatalf("writing the body: %v (the server stopped reading and reset the connection)", err)
			}
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("reading the answer after writing the whole body: %v", err)
			}
			r := readResp(t, res)
			checkError(t, r, http.StatusRequestEntityTooLarge, "")
			if !strings.Contains(r.str("detail"), "1 MiB") {
				t.Errorf("detail %q does not name the limit", r.str("detail"))
			}
			if !res.Close {
				t.Errorf("the answer does not close the connection: %v", res.Header)
			}
		})
	}
	// The server is fine afterwards, and nothing was created.
	if r := e.must(e.do("GET", "/Users", nil, nil), 200); r.str("totalResults") != "0" {
		t.Errorf("users: %s", r.raw)
	}
}

// A body of exactly the limit is accepted; one byte more is refused, whatever the framing.
func TestBodyLimitBoundary(t *testing.T) {
	e := newEnv(t, Config{MaxBodyBytes: 4096})
	doc := func(size int) []byte {
		head := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u` + fmt.Sprint(size) + `","displayName":"`
		tail := `"}`
		return []byte(head + strings.Repeat("d", size-len(head)-len(tail)) + tail)
	}
	for _, chunked := range []bool{false, true} {
		for size, want := range map[int]int{4096: 201, 4097: 413} {
			data := doc(size)
			var rd io.Reader = bytes.NewReader(data)
			if chunked {
				rd = readerOnly{rd}
			}
			req, _ := http.NewRequest("POST", e.base+"/Users", rd)
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Content-Type", "application/scim+json")
			res, err := e.http.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r := readResp(t, res)
			if r.status != want {
				t.Errorf("chunked %v, %d bytes: status %d, want %d: %s", chunked, size, r.status, want, r.raw)
			}
			e.do("DELETE", "/Users/"+r.str("id"), nil, nil)
		}
	}
}
