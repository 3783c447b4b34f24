package wake

import (
	"testing"

	"github.com/google/uuid"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestSet: a notify closes the channels of that id's watchers only; a
// watch taken after it waits for the next one; released watches (a
// release called twice counts once) leave nothing behind.
func TestSet(t *testing.T) {
	var s Set
	a, b := uuid.New(), uuid.New()
	ch1, rel1 := s.Watch(a)
	ch2, rel2 := s.Watch(a)
	other, relOther := s.Watch(b)
	s.Notify(a)
	if !closed(ch1) || !closed(ch2) {
		t.Fatal("a notify left a watcher of its id waiting")
	}
	if closed(other) {
		t.Fatal("a notify woke the watcher of another id")
	}
	ch3, rel3 := s.Watch(a)
	if closed(ch3) {
		t.Fatal("a watch taken after the notify is closed already")
	}
	s.Notify(a)
	if !closed(ch3) {
		t.Fatal("the second notify left its watcher waiting")
	}
	s.Notify(uuid.New()) // nobody watches it: nothing happens
	for _, rel := range []func(){rel1, rel2, rel3, relOther, relOther} {
		rel()
	}
	if n := s.Len(); n != 0 {
		t.Fatalf("%d watch entries left after every release", n)
	}
	// A watch released before any notify is gone too.
	_, rel := s.Watch(a)
	rel()
	if n := s.Len(); n != 0 {
		t.Fatalf("%d watch entries left after a release without a notify", n)
	}
}
