package gemmtrace

import "testing"

func TestSetRecord(t *testing.T) {
	Record(Call{M: 1}) // no recorder: nothing happens
	var got []Call
	if prev := Set(func(c Call) { got = append(got, c) }); prev != nil {
		t.Fatal("a recorder was installed before the test")
	}
	Record(Call{M: 2, N: 3, K: 4, TransB: true, Alpha: 1})
	inner := Set(func(Call) { t.Error("the second recorder was called after being replaced") })
	if inner == nil {
		t.Fatal("Set did not return the recorder it replaced")
	}
	Set(inner)
	Record(Call{Sym: true, M: 5, N: 5})
	if prev := Set(nil); prev == nil {
		t.Fatal("Set(nil) did not return the installed recorder")
	}
	Record(Call{M: 6})
	want := []Call{{M: 2, N: 3, K: 4, TransB: true, Alpha: 1}, {Sym: true, M: 5, N: 5}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("recorded %+v, want %+v", got, want)
	}
}
