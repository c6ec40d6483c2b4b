package training_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestMain prints the peak resident set size of the test process when
// benchmarks ran (VmHWM in /proc/self/status).
func TestMain(m *testing.M) {
	code := m.Run()
	bench := false
	for _, a := range os.Args {
		if strings.HasPrefix(a, "-test.bench=") && a != "-test.bench=" {
			bench = true
		}
	}
	if bench {
		if b, err := os.ReadFile("/proc/self/status"); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, "VmHWM:") {
					fmt.Println("peak RSS of the benchmark process:", strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:")))
				}
			}
		}
	}
	os.Exit(code)
}
