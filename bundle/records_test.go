package bundle

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// fill sets every exported field reachable from v to a value that is not its zero
// value, so a field that does not travel shows up as a difference.
func fill(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Interface().(type) {
	case time.Time:
		v.Set(reflect.ValueOf(time.Date(2024, 2, 3, 4, 5, 6, 789012345, time.UTC)))
		return
	case time.Duration:
		v.SetInt(int64(1234567891))
		return
	case http.Header:
		v.Set(reflect.ValueOf(http.Header{"X-" + path: {"a", "b"}}))
		return
	case []byte:
		// A body that is not UTF-8 must travel byte for byte too.
		v.SetBytes([]byte{'{', 0xff, 0xfe, '}'})
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("v-" + path)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(42)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(42)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(4.5)
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.IsExported() {
				fill(t, v.Field(i), path+"."+f.Name)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(t, s.Index(0), path+"[0]")
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(t, k, path+".key")
		fill(t, e, path+".value")
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(t, p.Elem(), path)
		v.Set(p)
	default:
		t.Fatalf("%s: no test value for a %s; teach fill about it", path, v.Type())
	}
}

// TestRecordTravelsWhole puts a value in every field of exchange.Record and checks the
// bundle's request line brings each one back: a field added to the Record without a
// way into bundles fails here, naming the field.
func TestRecordTravelsWhole(t *testing.T) {
	var in exchange.Record
	fill(t, reflect.ValueOf(&in).Elem(), "Record")
	in.Seq = 12
	line, err := MarshalRecord(&in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := UnmarshalRecord(line)
	if err != nil {
		t.Fatal(err)
	}
	rt := reflect.TypeOf(in)
	for i := range rt.NumField() {
		f := rt.Field(i)
		a, b := reflect.ValueOf(in).Field(i).Interface(), reflect.ValueOf(*out).Field(i).Interface()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("Record.%s does not travel in a bundle: wrote %#v, read %#v", f.Name, a, b)
		}
	}
}

func TestRecordBodiesKeepNilAndEmpty(t *testing.T) {
	in := &exchange.Record{Seq: 1, ReqBody: []byte{}, RespBody: nil}
	line, err := MarshalRecord(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := UnmarshalRecord(line)
	if err != nil {
		t.Fatal(err)
	}
	if out.ReqBody == nil || len(out.ReqBody) != 0 || out.RespBody != nil {
		t.Errorf("bodies %#v %#v, want empty and nil", out.ReqBody, out.RespBody)
	}
}

func TestUnmarshalRecordRefuses(t *testing.T) {
	for name, line := range map[string]string{
		"not JSON":   `{"seq":1`,
		"no number":  `{"method":"GET"}`,
		"bad base64": `{"seq":1,"request":{"body":{"base64":"***"}}}`,
	} {
		if _, err := UnmarshalRecord([]byte(line)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
