package jetstream

import (
	"testing"
	"time"
)

func TestExponentialNakDelay_DoublesUpToMax(t *testing.T) {
	d := ExponentialNakDelay(time.Second, 10*time.Second)
	for n, want := range map[uint64]time.Duration{0: time.Second, 1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 1000: 10 * time.Second} {
		if got := d(n); got != want {
			t.Errorf("delivery %d: %s, want %s", n, got, want)
		}
	}
	if got := ConstantNakDelay(0)(7); got != 0 {
		t.Errorf("ConstantNakDelay(0) = %s", got)
	}
}

func TestDefaults_AreTheDocumentedOnes(t *testing.T) {
	var s StreamConfig
	s.setDefaults()
	if s.MaxAge != 7*24*time.Hour || s.MaxBytes != 10<<30 || s.Duplicates != time.Hour || s.MaxMsgs != -1 ||
		s.MaxMsgSize != -1 || s.Replicas != 1 || s.DiscardOld {
		t.Errorf("stream defaults = %+v", s)
	}

	var p PublisherConfig
	p.setDefaults()
	if p.MaxPending != 1024 || p.AckTimeout != 10*time.Second || p.CloseTimeout != 30*time.Second || p.MsgID == nil {
		t.Errorf("publisher defaults = %+v", p)
	}

	var c SubscriberConfig
	c.setDefaults()
	if c.AckWait != 30*time.Second || c.MaxAckPending != 101 || c.MaxDeliver != -1 || c.PullMaxMessages != 100 ||
		c.PullExpiry != 10*time.Second || c.Concurrency != 1 || c.AckSync || c.CloseTimeout != 30*time.Second {
		t.Errorf("subscriber defaults = %+v", c)
	}
	if c.NakDelay(1) != time.Second || c.NakDelay(100) != time.Minute {
		t.Errorf("default nak delay: %s, %s", c.NakDelay(1), c.NakDelay(100))
	}
}

func TestValidateSubject(t *testing.T) {
	for subject, wildcards := range map[string]bool{"a": false, "a.b.c": false, "a.*": true, "a.>": true, "*.b.>": true} {
		if err := validateSubject(subject, wildcards); err != nil {
			t.Errorf("%q: %v", subject, err)
		}
	}
	for subject, wildcards := range map[string]bool{"": true, "a..b": true, ".a": true, "a.": true, "a b": true, "a.>.b": true, "a.*": false, "a.>": false} {
		if err := validateSubject(subject, wildcards); err == nil {
			t.Errorf("%q (wildcards %v) accepted", subject, wildcards)
		}
	}
}
