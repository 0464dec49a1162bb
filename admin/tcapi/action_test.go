package tcapi

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
)

type greetReq struct {
	Name  string `json:"Name" tcapi:"required"`
	Times int    `json:"Times"`
}

func (in *greetReq) Check() error {
	if in.Times < 0 {
		return Errorf(CodeInvalidParameterValue, "Times must not be negative")
	}
	return nil
}

type greetResp struct {
	Greeting string
	Region   string
}

// TestAction: the typed wrapper decodes strictly, runs Check, hands the
// Request to the Action through its context, and answers its response;
// a nil response is RequestId only.
func TestAction(t *testing.T) {
	calls := 0
	h := Action(func(ctx context.Context, in *greetReq) (*greetResp, error) {
		calls++
		if in.Name == "nobody" {
			return nil, nil
		}
		return &greetResp{Greeting: "hello " + in.Name, Region: RequestFrom(ctx).Region}, nil
	})
	call := func(body string) (any, error) {
		t.Helper()
		r, err := NewRequest("Greet", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Region = "ap-guangzhou"
		return h(context.Background(), r)
	}
	for body, code := range map[string]string{
		`{"Name":"a","Colour":1}`: CodeUnknownParameter,
		`{"Name":""}`:             CodeMissingParameter,
		`{"Name":"a","Times":-1}`: CodeInvalidParameterValue,
		`{"Name":1}`:              CodeInvalidParameter,
	} {
		_, err := call(body)
		var e *Error
		if !errors.As(err, &e) || e.Code != code {
			t.Errorf("%s: %v, want %s", body, err, code)
		}
	}
	if calls != 0 {
		t.Fatalf("the Action ran %d times on refused input", calls)
	}
	out, err := call(`{"Name":"bob","Times":2}`)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	if string(b) != `{"Greeting":"hello bob","Region":"ap-guangzhou"}` {
		t.Errorf("payload %s", b)
	}
	if out, err := call(`{"Name":"nobody"}`); out != nil || err != nil {
		t.Errorf("nil response: payload %#v, %v; want an untyped nil (RequestId only)", out, err)
	}
	if RequestFrom(context.Background()) != nil {
		t.Error("RequestFrom outside an Action")
	}
}
