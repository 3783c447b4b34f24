package agent

import "runtime"

// caseInsensitiveFS: Windows and macOS file systems usually ignore case.
var caseInsensitiveFS = runtime.GOOS == "windows" || runtime.GOOS == "darwin" || runtime.GOOS == "ios"
