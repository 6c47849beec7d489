package replay

import (
	"context"
	"encoding/json"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/profile"
)

// uuidPattern matches the ids scimlab assigns.
var uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// sameAnswer tells, without the replay's comparison, whether two servers gave one
// answer: the same status, and bodies that are the same JSON once the ids each server
// assigned, the metadata it keeps (times, versions, locations), the $ref links to its
// own address and the order of lists are left out.
func sameAnswer(a, b answer) bool {
	if a.status != b.status {
		return false
	}
	norm := func(body []byte) any {
		if len(body) == 0 {
			return nil
		}
		var v any
		if err := json.Unmarshal(uuidPattern.ReplaceAll(body, []byte("ID")), &v); err != nil {
			return string(body)
		}
		return strip(v)
	}
	return reflect.DeepEqual(norm(a.body), norm(b.body))
}

func strip(v any) any {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "meta")
		delete(x, "$ref")
		for k, e := range x {
			x[k] = strip(e)
		}
	case []any:
		// A list's order is not part of the answer (a group's members come in id
		// order, and each server assigns its own ids).
		keys := make([]string, len(x))
		for i, e := range x {
			x[i] = strip(e)
			k, _ := json.Marshal(x[i])
			keys[i] = string(k)
		}
		sort.Sort(byKey{x, keys})
	}
	return v
}

type byKey struct {
	items []any
	keys  []string
}

func (b byKey) Len() int           { return len(b.items) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.items[i], b.items[j] = b.items[j], b.items[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

// TestReplayAgainstAnotherProfile records Okta's and Entra's lifecycles on a scimlab
// playing ThingLink and replays them against one playing the generic app. The requests
// whose answers must differ are found without the replay: the same lifecycles played
// directly against a generic scimlab answer them otherwise. The replay must report
// exactly those — another status where the status differs, another body where only the
// body does — and, against a scimlab playing ThingLink again, none.
func TestReplayAgainstAnotherProfile(t *testing.T) {
	thinglink, err := profile.Builtin("thinglink")
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"okta-aiw.jsonl", "entra.jsonl"}
	rec := newProfiledServer(t, false, thinglink)
	recorded := playAnswers(t, rec, files...)
	recs := rec.records(t)
	direct := playAnswers(t, newProfiledServer(t, false, profile.Default()), files...)
	if len(recorded) != len(recs) || len(direct) != len(recs) {
		t.Fatalf("%d recorded, %d answers on ThingLink, %d on generic", len(recs), len(recorded), len(direct))
	}
	want := map[int64]Outcome{}
	byIdP := map[exchange.IdP]int{}
	for i, r := range recs {
		if recorded[i].status == 0 || direct[i].status == 0 {
			t.Fatalf("#%d was not sent to both", r.Seq)
		}
		switch {
		case recorded[i].status != direct[i].status:
			want[r.Seq] = DifferentStatus
		case !sameAnswer(recorded[i], direct[i]):
			want[r.Seq] = DifferentBody
		default:
			continue
		}
		byIdP[r.IdP]++
	}
	if byIdP[exchange.Okta] == 0 || byIdP[exchange.Entra] == 0 || len(want) == len(recs) {
		t.Fatalf("the profiles answer %d of %d requests otherwise (Okta %d, Entra %d): the test needs some of each IdP to differ, and some not",
			len(want), len(recs), byIdP[exchange.Okta], byIdP[exchange.Entra])
	}

	rep, err := Run(context.Background(), source(recs), len(recs), newProfiledServer(t, false, profile.Default()).target(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.WriteText(&b, false)
	for _, res := range rep.Results {
		if w, differs := want[res.Seq]; differs && res.Outcome != w || !differs && res.Outcome != Same {
			t.Errorf("#%d %s %s %s: %s %v, want %s", res.Seq, res.IdP, res.Method, res.Path, res.Outcome, res.Differences, cmpOr(w, Same))
		}
	}
	if got := rep.Summary.DifferentStatus + rep.Summary.DifferentBody; got != len(want) || !rep.Differs() {
		t.Errorf("summary %+v, want %d differences", rep.Summary, len(want))
	}
	if t.Failed() || testing.Verbose() {
		t.Log(b.String())
	}

	same, err := Run(context.Background(), source(recs), len(recs), newProfiledServer(t, false, thinglink).target(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if same.Differs() {
		b.Reset()
		same.WriteText(&b, false)
		t.Errorf("replayed against ThingLink again, answers differ:\n%s", b.String())
	}
}

func cmpOr(o, fallback Outcome) Outcome {
	if o == "" {
		return fallback
	}
	return o
}
