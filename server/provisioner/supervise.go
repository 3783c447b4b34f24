package provisioner

// SupervisorArg is the first argument that makes the coder binary run as a
// build supervisor (see Supervise) instead of the CLI.
const SupervisorArg = "__build-supervisor"

// IsSupervisorInvocation reports whether args (os.Args) ask for the build
// supervisor.
func IsSupervisorInvocation(args []string) bool {
	return len(args) > 1 && args[1] == SupervisorArg
}
