package app

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/adrg/xdg"
)

// ConsoleLogPath is where the console writes its diagnostics while it owns the terminal.
func ConsoleLogPath() string {
	return filepath.Join(xdg.StateHome, "scimlab", "console.log")
}

// OpenConsoleLog opens the console's diagnostics log for appending, creating it and
// its directory (private to the user: it may name files and addresses) as needed.
func OpenConsoleLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the console log: %w", err)
	}
	return f, nil
}
