// Package gnocchitest runs a real Gnocchi for integration tests: Debian's
// Gnocchi 4.4 (gnocchi-api under uwsgi, gnocchi-metricd) as processes on a
// free loopback port, with a fresh PostgreSQL database as indexer (dropped
// on cleanup) and the file storage driver in a temporary directory. No
// container engine is involved.
//
// It needs, on Debian 12:
//
//	apt-get install -y --no-install-recommends gnocchi-api gnocchi-metricd python3-gnocchi
//
// (gnocchi-api brings uwsgi and its python3 plugin; python3-gnocchi brings
// gnocchi-upgrade, gnocchi-metricd's program and psycopg2) and the
// machine's PostgreSQL on 127.0.0.1:5432 with trust authentication for the
// user postgres; MF_POSTGRES_URL overrides it
// (postgresql://user[:password]@host:port). Start fails the test, never
// skips it, when any of this is missing: CI installs and starts them.
//
// Gnocchi runs with auth_mode = basic: the user "admin" is its
// administrator, any other user an ordinary one; passwords are not checked.
package gnocchitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Packages are the Debian packages Start needs.
const Packages = "gnocchi-api gnocchi-metricd python3-gnocchi"

// python is Debian's interpreter, the one python3-gnocchi is installed for
// (a python3 earlier in PATH, from pyenv say, lacks its modules).
const python = "/usr/bin/python3"

// AdminUser is the Gnocchi user with the admin role under basic auth.
const AdminUser = "admin"

// PostgresURL is the PostgreSQL server Start creates its databases on.
func PostgresURL() string {
	if u := os.Getenv("MF_POSTGRES_URL"); u != "" {
		return strings.TrimSuffix(u, "/")
	}
	return "postgresql://postgres@127.0.0.1:5432"
}

// Start runs a Gnocchi for the test and returns its API endpoint
// ("http://127.0.0.1:port", without /v1). Everything is stopped and dropped
// when the test ends. Startup takes a few seconds.
func Start(t testing.TB) (endpoint string) {
	t.Helper()
	checkInstalled(t)
	dir := t.TempDir()
	db := fmt.Sprintf("gnocchitest_%d_%08x", os.Getpid(), rand.Uint32())
	createDatabase(t, db)

	conf := filepath.Join(dir, "gnocchi.conf")
	writeConfig(t, conf, dir, PostgresURL()+"/"+db)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "gnocchi-upgrade", "--config-file", conf, "--sacks-number", "8").CombinedOutput()
	if err != nil {
		t.Fatalf("gnocchitest: gnocchi-upgrade: %v\n%s", err, tail(out))
	}

	var api *process
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		endpoint = "http://127.0.0.1:" + strconv.Itoa(port)
		api = startProcess(t, dir, "gnocchi-api", "uwsgi",
			"--plugin", "python3",
			"--http11-socket", "127.0.0.1:"+strconv.Itoa(port),
			"--master", "--die-on-term", "--need-app",
			"--processes", "2", "--threads", "8",
			"--wsgi", "gnocchi.rest.wsgi",
			"--pyargv", "--config-file "+conf)
		err := waitReady(endpoint, api, 30*time.Second)
		if err == nil {
			break
		}
		stopAll(api)
		if attempt == 2 || !strings.Contains(api.log(), "Address already in use") {
			t.Fatalf("gnocchitest: gnocchi-api did not start: %v\n%s", err, api.log())
		}
	}
	metricd := startProcess(t, dir, "gnocchi-metricd", "gnocchi-metricd", "--config-file", conf)
	t.Cleanup(func() {
		stopAll(api, metricd)
		if t.Failed() {
			t.Logf("gnocchi-api log:\n%s", api.log())
			t.Logf("gnocchi-metricd log:\n%s", metricd.log())
		}
		dropDatabase(t, db)
	})
	return endpoint
}

func checkInstalled(t testing.TB) {
	t.Helper()
	var missing []string
	for _, bin := range []string{"uwsgi", "gnocchi-upgrade", "gnocchi-metricd"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	if _, err := os.Stat("/usr/lib/uwsgi/plugins/python3_plugin.so"); err != nil {
		missing = append(missing, "uwsgi's python3 plugin")
	}
	if _, err := os.Stat(python); err != nil {
		missing = append(missing, python)
	}
	if len(missing) > 0 {
		t.Fatalf("gnocchitest: Gnocchi is not installed (missing %s): apt-get install -y --no-install-recommends %s",
			strings.Join(missing, ", "), Packages)
	}
}

// psql runs SQL on the server's "postgres" database with psycopg2, which
// python3-gnocchi depends on.
func psql(sql string) error {
	script := `import sys, psycopg2
c = psycopg2.connect(sys.argv[1] + "/postgres")
c.autocommit = True
c.cursor().execute(sys.argv[2])
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c", script, PostgresURL(), sql).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, tail(out))
	}
	return nil
}

func createDatabase(t testing.TB, db string) {
	t.Helper()
	if err := psql("CREATE DATABASE " + db); err != nil {
		t.Fatalf("gnocchitest: creating database %s on %s (PostgreSQL must run there; MF_POSTGRES_URL overrides it): %v", db, PostgresURL(), err)
	}
}

func dropDatabase(t testing.TB, db string) {
	if err := psql("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)"); err != nil {
		t.Errorf("gnocchitest: dropping database %s: %v", db, err)
	}
}

func writeConfig(t testing.TB, path, dir, indexerURL string) {
	t.Helper()
	conf := fmt.Sprintf(`[DEFAULT]
debug = false
use_stderr = true
[api]
auth_mode = basic
[indexer]
url = %s
[storage]
driver = file
file_basepath = %s
[metricd]
workers = 1
metric_processing_delay = 1
metric_cleanup_delay = 5
`, indexerURL, filepath.Join(dir, "storage"))
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a daemon in its own process group, its output in a file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
}

func startProcess(t testing.TB, dir, name, bin string, args ...string) *process {
	t.Helper()
	p := &process{name: name, logPath: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("gnocchitest: starting %s: %v", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stopAll terminates the processes' groups, killing what is left after
// 10 s.
func stopAll(ps ...*process) {
	for _, p := range ps {
		if !p.exited() {
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range ps {
		select {
		case <-p.done:
		case <-ctx.Done():
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
		// Workers left behind by a master that exited first.
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

func (p *process) log() string {
	data, _ := os.ReadFile(p.logPath)
	return tail(data)
}

func tail(b []byte) string {
	const max = 8 << 10
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// waitReady polls the API until it answers an authenticated request.
func waitReady(endpoint string, p *process, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	var last error
	for time.Now().Before(deadline) {
		if p.exited() {
			return errors.New("gnocchi-api exited")
		}
		req, _ := http.NewRequest(http.MethodGet, endpoint+"/v1/archive_policy", nil)
		req.SetBasicAuth(AdminUser, "")
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
				return nil
			}
			err = fmt.Errorf("GET /v1/archive_policy: %s: %s", resp.Status, tail(body))
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %s: %v", timeout, last)
}
