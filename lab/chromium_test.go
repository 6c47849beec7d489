package lab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/store"
)

// chromiumBinary finds a Chromium or Chrome to run, "" when none is installed.
func chromiumBinary() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// devtools is a headless Chromium driven over the DevTools protocol on its remote
// debugging pipe (file descriptors 3 and 4, NUL-terminated JSON messages): no port, no
// websocket.
type devtools struct {
	cmd     *exec.Cmd
	toPipe  *os.File
	from    *bufio.Reader
	nextID  int
	session string
}

func startChromium(t *testing.T, bin string) *devtools {
	t.Helper()
	toR, toW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fromR, fromW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toR, fromW} // fd 3: what Chromium reads, fd 4: what it writes
	if err := cmd.Start(); err != nil {
		t.Skipf("Chromium is installed at %s but does not start: %v", bin, err)
	}
	toR.Close()
	fromW.Close()
	d := &devtools{cmd: cmd, toPipe: toW, from: bufio.NewReader(fromR)}
	t.Cleanup(func() {
		d.call(t, "Browser.close", nil)
		toW.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		fromR.Close()
	})
	return d
}

// call sends one command and returns its result, skipping the events in between.
func (d *devtools) call(t *testing.T, method string, params any) json.RawMessage {
	t.Helper()
	d.nextID++
	msg := map[string]any{"id": d.nextID, "method": method, "params": params}
	if params == nil {
		msg["params"] = map[string]any{}
	}
	if d.session != "" && method != "Browser.close" && method != "Target.createTarget" && method != "Target.attachToTarget" {
		msg["sessionId"] = d.session
	}
	b, _ := json.Marshal(msg)
	if _, err := d.toPipe.Write(append(b, 0)); err != nil {
		if method == "Browser.close" {
			return nil
		}
		t.Fatalf("%s: %v", method, err)
	}
	type reply struct {
		ID     int             `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		line, err := d.from.ReadBytes(0)
		if err != nil {
			if method == "Browser.close" {
				return nil
			}
			t.Fatalf("%s: Chromium stopped answering: %v", method, err)
		}
		var r reply
		if json.Unmarshal(bytes.TrimSuffix(line, []byte{0}), &r) != nil || r.ID != d.nextID {
			continue
		}
		if r.Error != nil {
			t.Fatalf("%s: %s", method, r.Error.Message)
		}
		return r.Result
	}
	t.Fatalf("%s: no answer within a minute", method)
	return nil
}

// importScript runs DevTools' own HAR import (the Network panel's "Import HAR file":
// HARFormat.HARRoot checks the archive, Importer.requestsFromHARLog turns it into the
// panel's requests) on the archive text and describes what it made of it.
const importScript = `(async (text) => {
  const HAR = await import('devtools://devtools/bundled/models/har/har.js');
  const root = new HAR.HARFormat.HARRoot(JSON.parse(text));
  const requests = HAR.Importer.Importer.requestsFromHARLog(root.log);
  const out = [];
  for (const r of requests) {
    const content = await r.requestContentData();
    out.push({url: r.url(), method: r.requestMethod, status: r.statusCode, mimeType: r.mimeType,
      requestHeaders: r.requestHeaders().length, requestBody: await r.requestFormData(),
      responseBody: (content && content.text) || ''});
  }
  return JSON.stringify(out);
})`

// TestHARImportsIntoChromiumDevTools exports a lab's Okta and Entra lifecycles as HAR
// and has headless Chromium's DevTools import it with the code its Network panel uses:
// every entry comes back as a request with its URL, method, status, headers and bodies.
// It is skipped where Chromium is not installed (Debian: apt-get install chromium).
func TestHARImportsIntoChromiumDevTools(t *testing.T) {
	bin := chromiumBinary()
	if bin == "" {
		t.Skip("no Chromium installed (Debian: apt-get install -y chromium)")
	}
	d := Dir{Root: t.TempDir()}
	_, db := trafficLab(t, d, "acme")
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "acme.har")
	if _, err := ExportHAR(ctx, db, dest, ExportOptions{Lab: "acme", Creator: "test"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	var recs []*exchange.Record
	db.EachRequest(ctx, store.RequestFilter{}, func(r *exchange.Record) error { recs = append(recs, r); return nil })

	dt := startChromium(t, bin)
	var target struct {
		TargetID string `json:"targetId"`
	}
	json.Unmarshal(dt.call(t, "Target.createTarget", map[string]any{"url": "about:blank"}), &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	json.Unmarshal(dt.call(t, "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}), &attached)
	dt.session = attached.SessionID
	// The DevTools front end, bundled in Chromium, is where its HAR importer lives.
	dt.call(t, "Page.navigate", map[string]any{"url": "devtools://devtools/bundled/devtools_app.html"})
	text, _ := json.Marshal(string(data))
	var result struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	var raw json.RawMessage
	for attempt := 0; ; attempt++ {
		raw = dt.call(t, "Runtime.evaluate", map[string]any{"expression": importScript + "(" + string(text) + ")",
			"awaitPromise": true, "returnByValue": true})
		result.ExceptionDetails = nil
		if err := json.Unmarshal(raw, &result); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
		// The page may still be loading the front end's modules at first.
		if result.ExceptionDetails == nil || attempt == 20 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if e := result.ExceptionDetails; e != nil {
		t.Fatalf("DevTools' HAR import failed: %s %s", e.Text, e.Exception.Description)
	}
	var value string
	if err := json.Unmarshal(result.Result.Value, &value); err != nil {
		t.Fatalf("DevTools' HAR import returned no description: %s", raw)
	}
	var imported []struct {
		URL            string `json:"url"`
		Method         string `json:"method"`
		Status         int    `json:"status"`
		MimeType       string `json:"mimeType"`
		RequestHeaders int    `json:"requestHeaders"`
		RequestBody    string `json:"requestBody"`
		ResponseBody   string `json:"responseBody"`
	}
	if err := json.Unmarshal([]byte(value), &imported); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if len(imported) != len(recs) {
		t.Fatalf("DevTools imported %d requests, the HAR holds %d", len(imported), len(recs))
	}
	for i, r := range recs {
		got := imported[i]
		wantURL := "http://scimlab.invalid" + r.Path
		if r.Query != "" {
			wantURL += "?" + r.Query
		}
		if got.URL != wantURL || got.Method != r.Method || got.Status != r.Status || got.RequestHeaders != headerCount(r) ||
			got.RequestBody != string(r.ReqBody) || got.ResponseBody != string(r.RespBody) {
			t.Errorf("#%d imported as %s %s %d (%d headers, bodies %d/%d bytes); recorded %s %s %d (%d headers, bodies %d/%d bytes)",
				r.Seq, got.Method, got.URL, got.Status, got.RequestHeaders, len(got.RequestBody), len(got.ResponseBody),
				r.Method, wantURL, r.Status, headerCount(r), len(r.ReqBody), len(r.RespBody))
		}
	}
	t.Logf("Chromium %s imported %d requests", chromiumVersion(bin), len(imported))
}

func headerCount(r *exchange.Record) int {
	n := 0
	for _, vs := range r.ReqHeaders {
		n += len(vs)
	}
	return n
}

func chromiumVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "(version unknown)"
	}
	return fmt.Sprint(string(bytes.TrimSpace(out)))
}
