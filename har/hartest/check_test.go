package hartest

import (
	"strings"
	"testing"
)

// valid is a small archive written from the HAR 1.2 specification's examples.
const valid = `{"log":{"version":"1.2","creator":{"name":"Firebug","version":"1.6"},
"pages":[{"startedDateTime":"2009-04-16T12:07:25.123+01:00","id":"page_0","title":"Test","pageTimings":{"onContentLoad":1720,"onLoad":2500}}],
"entries":[{"pageref":"page_0","startedDateTime":"2009-04-16T12:07:23.596Z","time":50,
"request":{"method":"POST","url":"http://www.example.com/path/?param=value","httpVersion":"HTTP/1.1","cookies":[{"name":"TestCookie","value":"Cookie Value","httpOnly":false}],
"headers":[{"name":"Accept","value":"*/*"}],"queryString":[{"name":"param","value":"value"}],"postData":{"mimeType":"application/json","text":"{}"},"headersSize":150,"bodySize":2},
"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"content":{"size":33,"compression":0,"mimeType":"text/html; charset=utf-8","text":"\n"},"redirectURL":"","headersSize":160,"bodySize":850},
"cache":{"beforeRequest":null,"afterRequest":{"lastAccess":"2000-01-01T00:00:00.000Z","eTag":"","hitCount":0}},
"timings":{"blocked":0,"dns":-1,"connect":15,"send":20,"wait":10,"receive":5,"ssl":-1},"_custom":{"any":"thing"}}]}}`

func TestCheckAcceptsTheSpecificationsExample(t *testing.T) {
	if err := Check([]byte(valid)); err != nil {
		t.Fatal(err)
	}
}

// Each mutation breaks one rule of the specification; the checker must name it.
func TestCheckFindsEachDeparture(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"custom field at the top", `{"log":`, `{"logs":{},"log":`, `field "logs" is not in HAR 1.2`},
		{"not JSON", `{"log"`, `{"log"]`, "not JSON"},
		{"version", `"version":"1.2"`, `"version":"1.1"`, `want "1.2"`},
		{"creator name missing", `"name":"Firebug",`, ``, `required field "name" missing`},
		{"entries not an array", `"entries":[{"pageref"`, `"entries":"none","x":[{"pageref"`, "want array"},
		{"startedDateTime", `"2009-04-16T12:07:23.596Z"`, `"16/04/2009"`, "no ISO 8601"},
		{"time adds up", `"time":50`, `"time":49`, "add up to 50"},
		{"negative wait", `"wait":10`, `"wait":-1`, "must not be negative"},
		{"relative url", `"url":"http://www.example.com/path/?param=value"`, `"url":"/path"`, "no absolute URL"},
		{"status as string", `"status":200`, `"status":"200"`, "want number"},
		{"header value missing", `{"name":"Accept","value":"*/*"}`, `{"name":"Accept"}`, `required field "value" missing`},
		{"unknown field", `"redirectURL":""`, `"redirectURL":"","redirect":""`, `field "redirect" is not in HAR 1.2`},
		{"postData text and params", `"text":"{}"}`, `"text":"{}","params":[]}`, "either text or params"},
		{"content mimeType missing", `"mimeType":"text/html; charset=utf-8",`, ``, `required field "mimeType" missing`},
		{"pageref to nowhere", `"pageref":"page_0"`, `"pageref":"page_9"`, "names no page"},
		{"cache entry incomplete", `"eTag":"",`, ``, `required field "eTag" missing`},
		{"httpOnly as string", `"httpOnly":false`, `"httpOnly":"no"`, "want boolean"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(valid, tc.from, tc.to, 1)
			if doc == valid {
				t.Fatalf("the mutation %q did not apply", tc.from)
			}
			err := Check([]byte(doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
