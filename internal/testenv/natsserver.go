package testenv

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// NATSServer is a nats-server process of the test's own with JetStream,
// for testing meterflow against an external NATS with TLS or
// authentication. It runs Debian's /usr/sbin/nats-server (apt-get install
// nats-server), or the one on $PATH.
type NATSServer struct {
	// Port is the client port on 127.0.0.1.
	Port int
	// Dir holds the configuration and the JetStream store.
	Dir string
}

// StartNATS starts nats-server with conf (nats-server configuration
// syntax: tls, authorization, operator... blocks) plus a client listener
// on a free loopback port, a monitor port and JetStream storing under a
// temporary directory, and waits (up to 15 s) until JetStream is up. The
// server is stopped when the test ends; its output is logged when the test
// failed.
func StartNATS(t testing.TB, conf string) *NATSServer {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin = "/usr/sbin/nats-server"
	}
	dir := t.TempDir()
	s := &NATSServer{Port: freePort(t), Dir: dir}
	monitor := freePort(t)
	full := fmt.Sprintf("listen: 127.0.0.1:%d\nhttp: 127.0.0.1:%d\njetstream {\n  store_dir: %q\n}\n%s\n",
		s.Port, monitor, filepath.Join(dir, "js"), conf)
	file := filepath.Join(dir, "nats.conf")
	writeFile(t, file, full)
	out := &SyncBuffer{}
	cmd := exec.Command(bin, "-c", file)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nats-server (apt-get install nats-server): %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("nats-server output:\n%s\nconfiguration:\n%s", out, full)
		}
	})
	health := fmt.Sprintf("http://127.0.0.1:%d/healthz?js-enabled-only=true", monitor)
	for deadline := time.Now().Add(15 * time.Second); ; {
		if res, err := http.Get(health); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-exited:
			t.Fatalf("nats-server exited:\n%s\nconfiguration:\n%s", out, full)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server not healthy after 15 s:\n%s", out)
		}
	}
}

// URL is the server's client URL with scheme (nats, tls) and host
// (127.0.0.1, localhost: what a server certificate names).
func (s *NATSServer) URL(scheme, host string) string {
	return scheme + "://" + host + ":" + strconv.Itoa(s.Port)
}

// NATSUserNKey makes a user nkey: the seed file (for --nats-nkey) and the
// public key the server's authorization block lists.
func NATSUserNKey(t testing.TB) (seedFile, public string) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	public, _ = kp.PublicKey()
	seedFile = filepath.Join(t.TempDir(), "user.nk")
	writeFile(t, seedFile, string(seed)+"\n")
	return seedFile, public
}

// NATSOperator sets up decentralized (JWT) authentication: an operator, a
// system account, an account with JetStream enabled and a user of it. It
// returns the server configuration (operator, resolver MEMORY with both
// accounts preloaded, system_account) and the user's .creds file (for
// --nats-creds). A second call gives an unrelated operator.
func NATSOperator(t testing.TB) (conf, credsFile string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	okp, err := nkeys.CreateOperator()
	must(err)
	opub, _ := okp.PublicKey()
	oc := jwt.NewOperatorClaims(opub)
	oc.Name = "meterflow-test"
	ojwt, err := oc.Encode(okp)
	must(err)

	account := func(name string, jetStream bool) (nkeys.KeyPair, string, string) {
		akp, err := nkeys.CreateAccount()
		must(err)
		apub, _ := akp.PublicKey()
		ac := jwt.NewAccountClaims(apub)
		ac.Name = name
		if jetStream {
			ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
		}
		ajwt, err := ac.Encode(okp)
		must(err)
		return akp, apub, ajwt
	}
	_, syspub, sysjwt := account("SYS", false)
	akp, apub, ajwt := account("METERFLOW", true)

	ukp, err := nkeys.CreateUser()
	must(err)
	upub, _ := ukp.PublicKey()
	uc := jwt.NewUserClaims(upub)
	uc.Name = "meterflow"
	uc.IssuerAccount = ""
	ujwt, err := uc.Encode(akp)
	must(err)
	useed, _ := ukp.Seed()
	creds, err := jwt.FormatUserConfig(ujwt, useed)
	must(err)
	credsFile = filepath.Join(t.TempDir(), "user.creds")
	must(os.WriteFile(credsFile, creds, 0o600))

	conf = fmt.Sprintf("operator: %s\nsystem_account: %s\nresolver: MEMORY\nresolver_preload: {\n  %s: %s\n  %s: %s\n}\n",
		ojwt, syspub, syspub, sysjwt, apub, ajwt)
	return conf, credsFile
}
