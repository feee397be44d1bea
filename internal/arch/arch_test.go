package arch

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const mod = "github.com/meet-dev/meet"

type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Standard   bool
	CgoFiles   []string
	Imports    []string
	Deps       []string
}

// load lists every package of the module and everything it depends on.
func load(t *testing.T) map[string]*pkg {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	// go test caches a passing run by the files the test consulted; go list
	// reads them in another process, so stat every Go file here too: an
	// import changed anywhere then reruns the test.
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".go") || d.Name() == "go.mod" {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,GoFiles,Standard,CgoFiles,Imports,Deps", "./...")
	cmd.Dir = root
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]*pkg{}
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = &p
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	return pkgs
}

func rel(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, mod), "/") }

func ours(path string) bool { return path == mod || strings.HasPrefix(path, mod+"/") }

// Policy packages decide and compute; they are tested as plain functions,
// so they reach no network, database, device or cgo code.
var policy = []string{"api", "audio", "audio/mixer", "audio/denoise", "audio/denoise/internal/fft", "audio/denoise/internal/vec", "audio/rtpseq", "audio/jitter", "audio/timescale", "audio/audiotest",
	"server/routing", "server/hours", "server/ivr"}

// Not policy, though under audio/: the device (PortAudio), the codec
// (libopus), the learned denoiser's model loader (reads its wasm from disk;
// pure Go, no cgo) and the denoiser evaluation tool (runs external tools).
var notPolicy = []string{"audio/device", "audio/opus", "audio/denoise/rnnoise", "audio/denoise/nseval"}

// ioPrefixes are packages that do network, database, device or process I/O.
var ioPrefixes = []string{"database/sql", "os/exec", "modernc.org/sqlite", "github.com/jackc/", "github.com/nats-io/",
	"github.com/pion/", "github.com/emiago/", "gopkg.in/hraban/", "github.com/gordonklaus/portaudio",
	"github.com/charmbracelet/", mod + "/server/store", mod + "/server/trunk", mod + "/server/room",
	mod + "/server/httpapi", mod + "/client", mod + "/softphone"}

func TestPolicyPackagesDoNoIO(t *testing.T) {
	pkgs := load(t)
	for _, p := range pkgs {
		if r := rel(p.ImportPath); ours(p.ImportPath) && strings.HasPrefix(r, "audio") && !slices.Contains(policy, r) &&
			!slices.Contains(notPolicy, r) {
			t.Errorf("%s is new under audio/: add it to policy or notPolicy (and to docs/architecture.md)", r)
		}
	}
	for _, name := range policy {
		p := pkgs[mod+"/"+name]
		if p == nil {
			t.Errorf("policy package %s is gone: update this test and docs/architecture.md", name)
			continue
		}
		for _, imp := range p.Imports {
			// api may name HTTP status codes (errors know their status); nothing else touches the network.
			if (imp == "net" || imp == "net/http" || imp == "os") && !(name == "api" && imp == "net/http") {
				t.Errorf("policy package %s imports %s", name, imp)
			}
		}
		for _, d := range p.Deps {
			for _, bad := range ioPrefixes {
				if d == bad || strings.HasPrefix(d, bad) {
					t.Errorf("policy package %s depends on %s", name, d)
				}
			}
			if dp := pkgs[d]; dp != nil && !dp.Standard && len(dp.CgoFiles) > 0 {
				t.Errorf("policy package %s depends on cgo package %s", name, d)
			}
		}
	}
}

func TestTUIImportsNoServer(t *testing.T) {
	for _, p := range load(t) {
		if r := rel(p.ImportPath); !ours(p.ImportPath) || (r != "tui" && !strings.HasPrefix(r, "tui/")) {
			continue
		}
		for _, d := range p.Deps {
			if strings.HasPrefix(d, mod+"/server") {
				t.Errorf("%s depends on %s: the TUI talks to meetd only through client/ and api/", rel(p.ImportPath), rel(d))
			}
		}
	}
}

// Only the composition roots (cmd/*) pick concrete stores; server/store/dbopen
// is the one helper they share for it, and the stores' own packages and test
// helpers (…test) may name them too.
func TestOnlyCmdWiresStores(t *testing.T) {
	concrete := []string{mod + "/server/store/sqlite", mod + "/server/store/postgres"}
	for _, p := range load(t) {
		r := rel(p.ImportPath)
		if !ours(p.ImportPath) || strings.HasPrefix(r, "cmd/") || r == "server/store/dbopen" ||
			strings.HasSuffix(r, "test") || slices.Contains(concrete, p.ImportPath) {
			continue
		}
		for _, imp := range p.Imports {
			if slices.Contains(concrete, imp) {
				t.Errorf("%s imports %s: only cmd/* (through server/store/dbopen) picks a store", r, rel(imp))
			}
		}
	}
}

// The phone side's concrete parts, the SIP trunk and the rooms, are built
// by cmd/* only (cmd/meetd's newPhone) and handed to server/telephony,
// which builds the lifecycle over them. Besides cmd/*, only telephony (for
// the trunk's Handler and CallMedia types) and the cluster's media bridges
// (over the rooms) may name them at all; test helpers (…test) aside.
var phoneParts = map[string][]string{
	mod + "/server/trunk": {"server/telephony"},
	mod + "/server/room":  {"server/telephony", "server/cluster"},
}

// phoneConstructors are the functions that build a phone part.
var phoneConstructors = map[string][]string{
	mod + "/server/trunk": {"New"},
	mod + "/server/room":  {"New", "NewGuidanceStore"},
}

func TestOnlyCmdBuildsPhoneParts(t *testing.T) {
	for _, p := range load(t) {
		r := rel(p.ImportPath)
		if !ours(p.ImportPath) || strings.HasPrefix(r, "cmd/") || strings.HasSuffix(r, "test") || phoneParts[p.ImportPath] != nil {
			continue
		}
		for _, imp := range p.Imports {
			if users, ok := phoneParts[imp]; ok && !slices.Contains(users, r) {
				t.Errorf("%s imports %s: only cmd/* builds the phone's parts, and %v use them (docs/architecture.md)", r, rel(imp), users)
			}
		}
		for _, call := range constructorCalls(t, p) {
			t.Errorf("%s: %s builds a phone part: only cmd/* does (cmd/meetd newPhone)", r, call)
		}
	}
}

// constructorCalls lists where p's non-test files call a phoneConstructors function.
func constructorCalls(t *testing.T, p *pkg) []string {
	t.Helper()
	var calls []string
	fset := token.NewFileSet()
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		local := map[string][]string{} // the file's name for an import → its constructors
		for _, is := range f.Imports {
			path, _ := strconv.Unquote(is.Path.Value)
			ctors, ok := phoneConstructors[path]
			if !ok {
				continue
			}
			n := path[strings.LastIndex(path, "/")+1:]
			if is.Name != nil {
				n = is.Name.Name
			}
			local[n] = ctors
		}
		if len(local) == 0 {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && slices.Contains(local[id.Name], sel.Sel.Name) {
				calls = append(calls, fset.Position(sel.Pos()).String()+" "+id.Name+"."+sel.Sel.Name)
			}
			return true
		})
	}
	return calls
}
