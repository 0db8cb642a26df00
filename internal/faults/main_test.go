package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"meterflow/internal/testenv"
)

// binDir holds the binaries the tests build, once per test run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "meterflow-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// long reports whether the long variants run (MF_LONG=1).
func long() bool { return os.Getenv("MF_LONG") == "1" }

var (
	buildOnce   sync.Map // binary name → *onceResult
	buildRootMu sync.Mutex
)

type onceResult struct {
	once sync.Once
	path string
	err  error
}

// goBuild builds pkg (a path relative to the repository root, or a module
// package path) into binDir/name once per test run.
func goBuild(t testing.TB, name, pkg string) string {
	t.Helper()
	v, _ := buildOnce.LoadOrStore(name, &onceResult{})
	r := v.(*onceResult)
	r.once.Do(func() {
		buildRootMu.Lock()
		defer buildRootMu.Unlock()
		r.path = filepath.Join(binDir, name)
		cmd := exec.Command("go", "build", "-o", r.path, pkg)
		cmd.Dir = testenv.Root()
		if out, err := cmd.CombinedOutput(); err != nil {
			r.err = fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
		}
	})
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.path
}

// meterflowBin is the meterflow binary of this tree ($MF_FAULTS_METERFLOW
// names a prebuilt one).
func meterflowBin(t testing.TB) string {
	if p := os.Getenv("MF_FAULTS_METERFLOW"); p != "" {
		return p
	}
	return goBuild(t, "meterflow", ".")
}

// natsServerBin is nats-server at the version go.mod requires (the one
// meterflow embeds), built from the module cache ($MF_FAULTS_NATS_SERVER
// names a prebuilt one).
func natsServerBin(t testing.TB) string {
	if p := os.Getenv("MF_FAULTS_NATS_SERVER"); p != "" {
		return p
	}
	return goBuild(t, "nats-server", "github.com/nats-io/nats-server/v2")
}
